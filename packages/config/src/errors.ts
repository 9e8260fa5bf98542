/** One bad or missing environment variable, as reported by {@link ConfigError}. */
export interface ConfigIssue {
  /** The environment variable's name, or `(config)` for a problem not tied to one variable. */
  readonly variable: string;
  /** What the variable should hold, e.g. `expected a duration such as 500ms, 30s or 7d`. */
  readonly expected: string;
  /** What was found: the raw value quoted, `not set`, or `<redacted>` for a secret. */
  readonly found: string;
}

/**
 * Thrown by `loadConfig` when the environment does not satisfy the schema.
 * The message lists every bad variable, so one restart is enough to see them all.
 * It never contains the value of a variable marked secret.
 */
export class ConfigError extends Error {
  readonly code = 'invalid_config';
  /** Restarting with the same environment fails the same way. */
  readonly retriable = false;
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super(formatIssues(issues), options);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

const formatIssues = (issues: readonly ConfigIssue[]): string => {
  const count = issues.length === 1 ? '1 environment variable is' : `${issues.length} environment variables are`;
  const lines = issues.map((issue) => `  ${issue.variable}: ${issue.expected}; found ${issue.found}`);
  return [`Invalid configuration: ${count} missing or bad.`, ...lines].join('\n');
};
