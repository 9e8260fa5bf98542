import { z } from 'zod';
import { ConfigError, type ConfigIssue } from './errors.js';
import { describeVariable } from './variable.js';

/** A config shape: environment variable name to a schema that parses its raw string. */
export type VariableShape = Record<string, z.ZodType<unknown, string | undefined>>;

/** A config schema: a zod object whose keys are environment variable names. */
export type ConfigSchema<Shape extends VariableShape = VariableShape> = z.ZodObject<Shape>;

/** The environment as Node exposes it (`process.env`) or a plain object in tests. */
export type Environment = Readonly<Record<string, string | undefined>>;

const variableName = /^[A-Z][A-Z0-9_]*$/;

/**
 * Builds a config schema from a shape of variables (see `variable()`), checking that every
 * key is an environment variable name. Compose with spreads:
 * `defineConfig({ ...baseVariables({ processName }), MY_VARIABLE: variable({ ... }) })`.
 */
export const defineConfig = <Shape extends VariableShape>(shape: Shape): ConfigSchema<Shape> => {
  const badNames = Object.keys(shape).filter((name) => !variableName.test(name));
  if (badNames.length > 0) {
    throw new TypeError(`defineConfig(): not environment variable names (use UPPER_SNAKE_CASE): ${badNames.join(', ')}`);
  }
  return z.object(shape);
};

/**
 * Reads the variables named by `schema` from `env`, once per process in main.ts.
 * Empty or blank values count as unset (so `FOO=` in a compose file means "use the default").
 * Returns the parsed, typed and frozen values; throws a ConfigError listing every bad variable.
 */
export const loadConfig = <Schema extends ConfigSchema>(
  schema: Schema,
  env: Environment = process.env,
): Readonly<z.output<Schema>> => {
  const raw: Record<string, string> = {};
  for (const name of Object.keys(schema.shape)) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') raw[name] = value.trim();
  }
  const result = schema.safeParse(raw);
  if (result.success) return Object.freeze(result.data);
  throw new ConfigError(toIssues(schema, raw, result.error.issues), { cause: result.error });
};

const toIssues = (schema: ConfigSchema, raw: Record<string, string>, zodIssues: readonly z.core.$ZodIssue[]): ConfigIssue[] => {
  const byVariable = new Map<string, z.core.$ZodIssue[]>();
  for (const issue of zodIssues) {
    const name = typeof issue.path[0] === 'string' ? issue.path[0] : '(config)';
    byVariable.set(name, [...(byVariable.get(name) ?? []), issue]);
  }
  return [...byVariable].map(([variable, issues]): ConfigIssue => {
    const fieldSchema = schema.shape[variable];
    const described = fieldSchema ? describeVariable(fieldSchema) : undefined;
    const value = raw[variable];
    if (value === undefined && issues.some((issue) => issue.code === 'invalid_type')) {
      return { variable, expected: described ? `required (${described.description})` : 'required', found: 'not set' };
    }
    const found =
      value === undefined ? `not set${described?.default === undefined ? '' : ` (default ${described.default})`}`
      : described?.secret ? '<redacted>'
      : JSON.stringify(truncate(value));
    return { variable, expected: [...new Set(issues.map((issue) => issue.message))].join('; '), found };
  });
};

const truncate = (value: string): string => (value.length > 120 ? `${value.slice(0, 117)}...` : value);
