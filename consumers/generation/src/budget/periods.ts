// Budget periods are UTC calendar days and months, the same for every process whatever its zone.
import type { BudgetPeriod } from '@rivulet/store';

export interface PeriodWindow {
  /** Names the period in counter keys: `2026-11-26` for a day, `2026-11` for a month. */
  key: string;
  /** When the next period begins (ms since the epoch): the counter resets then. */
  endsAt: number;
}

/** The period of kind `period` that contains the instant `at` (ms since the epoch). */
export const periodWindow = (period: BudgetPeriod, at: number): PeriodWindow => {
  const date = new Date(at);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const iso = date.toISOString();
  if (period === 'month') return { key: iso.slice(0, 7), endsAt: Date.UTC(year, month + 1, 1) };
  return { key: iso.slice(0, 10), endsAt: Date.UTC(year, month, date.getUTCDate() + 1) };
};
