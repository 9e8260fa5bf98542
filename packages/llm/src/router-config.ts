// The router configuration: a JSON file, validated, with API keys taken from the environment the caller passes.
import { readFile } from 'node:fs/promises';
import type { Environment } from '@rivulet/config';
import type { BreakerSettings } from './circuit-breaker.js';
import { issuesFromZod, RouterConfigError, type RouterConfigIssue } from './router-config-error.js';
import { defaultDeploymentContextTokens, routerConfigSchema, type RouterProvider } from './router-config-schema.js';

export interface DeploymentPrice {
  /** US dollars per million input (prompt) tokens. */
  readonly inputPerMillion: number;
  /** US dollars per million output tokens. */
  readonly outputPerMillion: number;
}

/** One place a router model can be served from: a provider, a model there, and how to reach it. */
export interface RouterDeployment {
  /** Unique across the file; names the breaker, the metrics and the `deployment` of replies. */
  readonly name: string;
  /** The router model (the key under `models`) it belongs to. */
  readonly routerModel: string;
  readonly provider: RouterProvider;
  /** The provider's model id (for `local`, optional: renames the local model in replies). */
  readonly model: string | undefined;
  /** Environment variable holding the API key (required for openai and anthropic). */
  readonly apiKeyEnv: string | undefined;
  /** OpenAI: up to /v1; Anthropic: without /v1; required for openai-compatible. Default: the provider's API. */
  readonly baseUrl: string | undefined;
  /** Share of traffic among deployments of the same priority (default 1). */
  readonly weight: number;
  /** Lower first (default 0); higher priorities are fallbacks. */
  readonly priority: number;
  /** Context window; default 128 000 (openai), 200 000 (anthropic), 8192 (openai-compatible), the local model's own (local). */
  readonly contextTokens: number | undefined;
  /** Per-million-token prices, for `costUsd`; without one, cost is unknown (null). */
  readonly price: DeploymentPrice | undefined;
  /**
   * Remote deployments: requests this process sends it at once; more wait for a free slot, tenants
   * served in turn. Absent: no limit of its own (the worker's in-flight events bound it). Not for `local`.
   */
  readonly maxConcurrent: number | undefined;
}

export interface AutoPolicyConfig {
  /** The router model for simple questions and tight budgets. */
  readonly cheap: string;
  /** The router model for long questions and strong tiers. */
  readonly strong: string;
  /** A question of at least this many tokens goes to `strong` (default 200). */
  readonly complexQuestionTokens: number;
  /** Below this share of the budget left, always `cheap` (default 0.2). */
  readonly budgetReserveRatio: number;
  /** Tenant tiers always served by `strong` (default none). */
  readonly strongTiers: readonly string[];
}

export interface RouterTimeouts {
  /** From sending a request to its response headers (TCP and TLS connect, the upstream accepting it). Default 5 000. */
  readonly connectMs: number;
  /** From sending a request to the first output text. Default 30 000. */
  readonly firstTokenMs: number;
  /** Between two chunks once text flows. Default 15 000. */
  readonly idleMs: number;
}

/** A validated router configuration with its API keys resolved. */
export interface RouterConfig {
  /** The router model used when a request names none. */
  readonly defaultModel: string;
  /** Router model name -> its deployments, in file order. */
  readonly models: Readonly<Record<string, { readonly deployments: readonly RouterDeployment[] }>>;
  /** The `auto` policy; without it, `auto` means `defaultModel`. */
  readonly auto: AutoPolicyConfig | undefined;
  readonly timeouts: RouterTimeouts;
  /** Waits for a Retry-After up to this long when nothing else can serve (default 10 000; 0: never wait). */
  readonly retry: { readonly maxRetryAfterMs: number };
  readonly breaker: BreakerSettings;
  /** How often open breakers are probed, and how long a probe may take (defaults 10 000 and 5 000). */
  readonly healthCheck: { readonly intervalMs: number; readonly timeoutMs: number };
  /** Deployment name -> API key. A Map, so that logging the configuration shows `{}` instead of the keys. */
  readonly apiKeys: ReadonlyMap<string, string>;
}

/**
 * Validates a router configuration (a JSON text or the parsed value) and resolves its API keys
 * from `env`. Throws a RouterConfigError listing every problem by its path in the file.
 */
export const parseRouterConfig = (json: unknown, { env, source = 'router configuration' }: { env: Environment; source?: string }): RouterConfig => {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new RouterConfigError(source, [{ path: '(file)', message: `not valid JSON: ${(error as Error).message}` }], { cause: error });
    }
  }
  const parsed = routerConfigSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) throw new RouterConfigError(source, issuesFromZod(parsed.error.issues), { cause: parsed.error });
  const file = parsed.data;
  const apiKeys = new Map<string, string>();
  const missing: RouterConfigIssue[] = [];
  const models = Object.fromEntries(Object.entries(file.models).map(([routerModel, { deployments }]) => [routerModel, {
    deployments: deployments.map((deployment, index): RouterDeployment => {
      if (deployment.apiKeyEnv !== undefined) {
        const key = env[deployment.apiKeyEnv];
        if (key) apiKeys.set(deployment.name, key);
        else missing.push({ path: `models.${routerModel}.deployments[${index}].apiKeyEnv`, message: `environment variable ${deployment.apiKeyEnv} is not set` });
      }
      const { name, provider, model, apiKeyEnv, baseUrl, weight, priority, price, maxConcurrent } = deployment;
      const contextTokens = deployment.contextTokens ?? (provider === 'local' ? undefined : defaultDeploymentContextTokens[provider]);
      return { name, routerModel, provider, model, apiKeyEnv, baseUrl, weight, priority, contextTokens, price, maxConcurrent };
    }),
  }]));
  if (missing.length > 0) throw new RouterConfigError(source, missing);
  return { defaultModel: file.defaultModel, models, auto: file.auto, timeouts: file.timeouts, retry: file.retry, breaker: file.breaker, healthCheck: file.healthCheck, apiKeys };
};

/**
 * Reads and validates the router configuration file at `path` (or `json`, its text or parsed
 * value), taking API keys from `env` (the process environment, passed in by main.ts).
 *
 * The file (JSON; every section but `defaultModel` and `models` is optional, defaults shown):
 * ```json
 * {
 *   "defaultModel": "fast",
 *   "models": {
 *     "fast": { "deployments": [
 *       { "name": "openai-mini", "provider": "openai", "model": "gpt-4o-mini", "apiKeyEnv": "OPENAI_API_KEY",
 *         "baseUrl": "https://api.openai.com/v1", "weight": 1, "priority": 0, "contextTokens": 128000,
 *         "price": { "inputPerMillion": 0.15, "outputPerMillion": 0.6 }, "maxConcurrent": 32 },
 *       { "name": "claude-haiku", "provider": "anthropic", "model": "claude-haiku-4-5", "apiKeyEnv": "ANTHROPIC_API_KEY", "priority": 1 },
 *       { "name": "local", "provider": "local", "priority": 2 } ] },
 *     "smart": { "deployments": [ { "name": "vllm", "provider": "openai-compatible", "model": "qwen", "baseUrl": "http://vllm:8000/v1" } ] }
 *   },
 *   "auto": { "cheap": "fast", "strong": "smart", "complexQuestionTokens": 200, "budgetReserveRatio": 0.2, "strongTiers": ["pro"] },
 *   "timeouts": { "connectMs": 5000, "firstTokenMs": 30000, "idleMs": 15000 },
 *   "retry": { "maxRetryAfterMs": 10000 },
 *   "breaker": { "windowMs": 60000, "minRequests": 5, "failureRatio": 0.5, "cooldownMs": 30000 },
 *   "healthCheck": { "intervalMs": 10000, "timeoutMs": 5000 }
 * }
 * ```
 * Deployment fields are described on RouterDeployment. `provider` is one of `openai`, `anthropic`,
 * `openai-compatible` (needs `baseUrl`), `local` (the one local model the process loaded).
 * `model` is required but for `local`; `apiKeyEnv` for `openai` and `anthropic` (optional for
 * `openai-compatible`). Unknown keys are errors. Keys are never in the file: `apiKeyEnv` names
 * the variable, and a variable that is not set is an error.
 */
export const loadRouterConfig = async ({ path, json, env }: { path?: string; json?: unknown; env: Environment }): Promise<RouterConfig> => {
  if (path === undefined) {
    if (json === undefined) throw new TypeError('loadRouterConfig: give path or json');
    return parseRouterConfig(json, { env });
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new RouterConfigError(path, [{ path: '(file)', message: `cannot be read: ${(error as Error).message}` }], { cause: error });
  }
  return parseRouterConfig(text, { env, source: path });
};

/** Whether any deployment is `local`: then the caller loads the local model and gives it to the router. */
export const usesLocalModel = (config: RouterConfig): boolean =>
  Object.values(config.models).some(({ deployments }) => deployments.some((deployment) => deployment.provider === 'local'));
