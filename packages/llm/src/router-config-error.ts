// How a bad router configuration is reported: every problem at once, each named by its path in the file.
import type { z } from 'zod';

export interface RouterConfigIssue {
  /** Where in the file, e.g. `models.fast.deployments[1].provider` (`(file)` for the file as a whole). */
  readonly path: string;
  /** What was expected, and what was found when that helps, e.g. `expected one of openai, anthropic; found "gemini"`. */
  readonly message: string;
}

/** The router configuration is unusable. Not retryable: the same file and environment fail the same way. */
export class RouterConfigError extends Error {
  readonly code = 'invalid_config';
  readonly retryable = false;
  readonly issues: readonly RouterConfigIssue[];

  constructor(source: string, issues: readonly RouterConfigIssue[], options?: { cause?: unknown }) {
    super([`Invalid router configuration (${source}):`, ...issues.map((issue) => `  ${issue.path}: ${issue.message}`)].join('\n'), options);
    this.name = 'RouterConfigError';
    this.issues = issues;
  }
}

/** `['models', 'fast', 'deployments', 1, 'provider']` -> `models.fast.deployments[1].provider`. */
export const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text === '' ? String(part) : `${text}.${String(part)}`), '') || '(file)';

const describe = (input: unknown): string => {
  const json = JSON.stringify(input);
  if (json === undefined) return String(input);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
};

/** zod's issues (parsed with `reportInput: true`) as RouterConfigIssues. */
export const issuesFromZod = (issues: readonly z.core.$ZodIssue[]): RouterConfigIssue[] =>
  issues.flatMap((issue): RouterConfigIssue[] => {
    const path = formatPath(issue.path);
    const found = issue.input === undefined ? '' : `; found ${describe(issue.input)}`;
    switch (issue.code) {
      case 'unrecognized_keys':
        return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown key' }));
      case 'invalid_value':
        return [{ path, message: `expected one of ${issue.values.map(String).join(', ')}${found}` }];
      case 'invalid_type':
        return [{ path, message: issue.input === undefined ? `required (${issue.expected})` : `expected ${issue.expected}${found}` }];
      case 'invalid_key':
        return [{ path, message: `bad name: ${issue.issues.map((inner) => inner.message).join('; ')}` }];
      case 'custom':
        // A refinement of one value reports it; a check across fields has the whole object as input.
        return [{ path, message: typeof issue.input === 'object' ? issue.message : `${issue.message}${found}` }];
      default:
        return [{ path, message: `${issue.message.replace(/^(Too small|Too big|Invalid input): /, '')}${found}` }];
    }
  });
