// GET /v1/usage?from=YYYY-MM-DD&to=YYYY-MM-DD: the tenant's token usage and cost per UTC day and
// model, from the totals the usage aggregator keeps (consumers/persistence).
import type { UsageDay } from '@rivulet/store';
import { shown } from '../documents/document-input.js';
import { IngressError } from '../errors.js';
import { sendJson } from './http-io.js';
import type { GuardedRequest, RouteGuard } from './route-guard.js';

/** A tenant's totals for one UTC day and model (the store's row). */
export type UsageDayRow = UsageDay;

export interface UsageReader {
  byDay(tenantId: string, range: { from: string; to: string }): Promise<UsageDayRow[]>;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_RANGE_DAYS = 366;
const DEFAULT_RANGE_DAYS = 30;

const isoDay = (time: number): string => new Date(time).toISOString().slice(0, 10);

const dayOf = (name: string, value: string | null, fallback: string): string => {
  const text = value ?? fallback;
  const time = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(time) || isoDay(time) !== text) throw new IngressError('invalid_request', `"${name}" must be a date written YYYY-MM-DD (UTC), got ${shown(text, 40)}.`);
  return text;
};

/** Authenticated, not counted against the key's rate. */
export const createUsageRoutes = ({ guard, usage, now = Date.now }: { guard: RouteGuard; usage: UsageReader; now?: () => number }) => ({
  get: guard({ counted: false }, async ({ response, url, principal }: GuardedRequest): Promise<void> => {
    const to = dayOf('to', url.searchParams.get('to'), isoDay(now()));
    const from = dayOf('from', url.searchParams.get('from'), isoDay(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_RANGE_DAYS - 1) * DAY_MS));
    const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
    if (days < 1) throw new IngressError('invalid_request', `"from" (${from}) is after "to" (${to}).`);
    if (days > MAX_RANGE_DAYS) throw new IngressError('invalid_request', `Ask for at most ${MAX_RANGE_DAYS} days at a time; ${from} to ${to} is ${days}.`);
    const rows = await usage.byDay(principal.tenantId, { from, to });
    const totals = { requests: 0, failed: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unpriced: 0 };
    const models = new Map<string, typeof totals>();
    for (const row of rows) {
      const model = models.get(row.model) ?? { requests: 0, failed: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unpriced: 0 };
      for (const sum of [totals, model]) {
        sum.requests += row.requests;
        sum.failed += row.failed;
        sum.inputTokens += row.inputTokens;
        sum.outputTokens += row.outputTokens;
        sum.costUsd += row.costUsd;
        sum.unpriced += row.unpriced;
      }
      models.set(row.model, model);
    }
    sendJson(response, 200, {
      tenant: principal.tenantId, from, to, totals,
      models: [...models].map(([model, sum]) => ({ model, ...sum })),
      days: rows,
    });
  }),
});

export type UsageRoutes = ReturnType<typeof createUsageRoutes>;
