// The zod schema of the router configuration file (the format is documented on `loadRouterConfig`).
import { z } from 'zod';

export const routerProviders = ['openai', 'anthropic', 'openai-compatible', 'local'] as const;
export type RouterProvider = (typeof routerProviders)[number];

/** Context windows of remote deployments that do not give `contextTokens`. */
export const defaultDeploymentContextTokens: Record<Exclude<RouterProvider, 'local'>, number> = { openai: 128_000, anthropic: 200_000, 'openai-compatible': 8192 };

const positiveInteger = z.number().int().positive();
const nonNegative = z.number().nonnegative();
/** Deployment and model names end up in metric labels and Redis keys. */
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit');
const httpUrl = z.string().refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'expected an http or https URL');

const deployment = z.strictObject({
  name,
  provider: z.enum(routerProviders),
  model: z.string().min(1).optional(),
  apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name').optional(),
  baseUrl: httpUrl.optional(),
  weight: z.number().positive().default(1),
  priority: z.number().int().nonnegative().default(0),
  contextTokens: positiveInteger.optional(),
  price: z.strictObject({ inputPerMillion: nonNegative, outputPerMillion: nonNegative }).optional(),
  maxConcurrent: positiveInteger.optional(),
}).superRefine((value, context) => {
  const require = (field: 'model' | 'apiKeyEnv' | 'baseUrl') => {
    if (value[field] === undefined) context.addIssue({ code: 'custom', path: [field], message: `required with provider ${value.provider}` });
  };
  if (value.provider !== 'local') require('model');
  if (value.provider === 'openai' || value.provider === 'anthropic') require('apiKeyEnv');
  if (value.provider === 'openai-compatible') require('baseUrl');
  if (value.provider === 'local' && value.maxConcurrent !== undefined) {
    context.addIssue({ code: 'custom', path: ['maxConcurrent'], message: 'not for provider local: the one local model is shared by every local deployment; set CHAT_LOCAL_CONCURRENCY' });
  }
});

const routerModel = z.strictObject({ deployments: z.array(deployment).min(1, 'expected at least one deployment') });

const auto = z.strictObject({
  cheap: z.string(),
  strong: z.string(),
  complexQuestionTokens: positiveInteger.default(200),
  budgetReserveRatio: z.number().min(0).max(1).default(0.2),
  strongTiers: z.array(z.string().min(1)).default([]),
});

export const routerConfigSchema = z.strictObject({
  defaultModel: z.string(),
  models: z.record(name, routerModel),
  auto: auto.optional(),
  timeouts: z.strictObject({ connectMs: positiveInteger.default(5_000), firstTokenMs: positiveInteger.default(30_000), idleMs: positiveInteger.default(15_000) }).default({ connectMs: 5_000, firstTokenMs: 30_000, idleMs: 15_000 }),
  retry: z.strictObject({ maxRetryAfterMs: z.number().int().nonnegative().default(10_000) }).default({ maxRetryAfterMs: 10_000 }),
  breaker: z.strictObject({
    windowMs: positiveInteger.default(60_000),
    minRequests: positiveInteger.default(5),
    failureRatio: z.number().positive().max(1).default(0.5),
    cooldownMs: positiveInteger.default(30_000),
  }).default({ windowMs: 60_000, minRequests: 5, failureRatio: 0.5, cooldownMs: 30_000 }),
  healthCheck: z.strictObject({ intervalMs: positiveInteger.default(10_000), timeoutMs: positiveInteger.default(5_000) }).default({ intervalMs: 10_000, timeoutMs: 5_000 }),
}).superRefine((value, context) => {
  const models = Object.keys(value.models);
  const known = (path: (string | number)[], model: string) => {
    if (!models.includes(model)) context.addIssue({ code: 'custom', path, message: `expected one of the models (${models.join(', ')}), found ${JSON.stringify(model)}` });
  };
  known(['defaultModel'], value.defaultModel);
  if (value.auto) {
    known(['auto', 'cheap'], value.auto.cheap);
    known(['auto', 'strong'], value.auto.strong);
  }
  if (models.includes('auto')) context.addIssue({ code: 'custom', path: ['models', 'auto'], message: '"auto" is reserved for the automatic choice between auto.cheap and auto.strong' });
  const seen = new Set<string>();
  for (const [model, { deployments }] of Object.entries(value.models)) {
    deployments.forEach((item, index) => {
      if (seen.has(item.name)) context.addIssue({ code: 'custom', path: ['models', model, 'deployments', index, 'name'], message: `deployment name ${JSON.stringify(item.name)} is used twice (names are unique across the file: breakers and metrics are keyed by them)` });
      seen.add(item.name);
    });
  }
});

export type RouterConfigFile = z.output<typeof routerConfigSchema>;
