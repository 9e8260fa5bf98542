import { z } from 'zod';
import type { StringSchema } from './value-schemas.js';

/** What the catalogue records about one environment variable (rendered into docs/configuration.md). */
export interface VariableDescription {
  /** One sentence for operators: what it controls and, where useful, the unit. */
  readonly description: string;
  /** The raw default as an operator would write it, or undefined when there is none. */
  readonly default?: string | undefined;
  /** The value is a credential or contains one: never printed in errors or logs. */
  readonly secret: boolean;
  /** Absent means "feature off" rather than an error (only for variables without a default). */
  readonly optional: boolean;
}

export interface VariableOptions<Schema extends StringSchema> {
  description: string;
  /** Parses the raw string, e.g. `duration()`, `url({ protocols: ['https:'] })`. */
  schema: Schema;
  /** Raw default, parsed by `schema` exactly like a value that was set. */
  default?: string;
  /** How the docs show a default that depends on the process, e.g. `rivulet-<process>`. */
  documentedDefault?: string;
  secret?: boolean;
  /** Absent is allowed and parses to `undefined`. Ignored when `default` is given. */
  optional?: boolean;
}

// Keyed by schema instance: variable() clones the schema first, so shared schemas are never tagged.
const catalogue = z.registry<VariableDescription>();

/**
 * Declares one environment variable: its parser plus the catalogue entry the docs are
 * generated from. Put the result directly in a `defineConfig` shape; wrapping it again
 * (e.g. `.optional()`) creates a new schema that the catalogue does not know.
 */
export function variable<Schema extends StringSchema>(options: VariableOptions<Schema> & { default: string }): z.ZodPrefault<Schema>;
export function variable<Schema extends StringSchema>(options: VariableOptions<Schema> & { optional: true }): z.ZodOptional<Schema>;
export function variable<Schema extends StringSchema>(options: VariableOptions<Schema>): Schema;
export function variable<Schema extends StringSchema>(options: VariableOptions<Schema>): z.ZodType<unknown, string | undefined> {
  const { description, schema, default: defaultValue, documentedDefault, secret = false, optional = false } = options;
  if (description.trim() === '') throw new TypeError('variable(): description must not be empty');
  // Every variable's input is a string, so the raw default is a valid input of `schema`.
  const declared: z.ZodType<unknown, string | undefined> =
    defaultValue !== undefined ? schema.prefault(defaultValue as z.input<Schema>)
    : optional ? schema.optional()
    : schema.clone();
  catalogue.add(declared, {
    description,
    default: documentedDefault ?? defaultValue,
    secret,
    optional: defaultValue === undefined && optional,
  });
  return declared;
}

/** What a compact declaration may add: a secret flag, a default shown differently in the docs. */
export type SettingExtras = Pick<VariableOptions<StringSchema>, 'secret' | 'documentedDefault'>;

/**
 * `variable()` with a default, in one line: `EMBEDDING_BATCH_WAIT: setting(duration(), '5ms', 'How long ...')`.
 * The raw default is parsed by `schema` exactly like a value that was set.
 */
export const setting = <Schema extends StringSchema>(schema: Schema, defaultValue: string, description: string, extras: SettingExtras = {}) =>
  variable({ ...extras, description, schema, default: defaultValue });

/** `variable()` that may stay unset (parses to `undefined`): `OPENAI_API_KEY: optionalSetting(text(), 'API key ...', { secret: true })`. */
export const optionalSetting = <Schema extends StringSchema>(schema: Schema, description: string, extras: SettingExtras = {}) =>
  variable({ ...extras, description, schema, optional: true });

/**
 * The catalogue entry of a variable: from `variable()`, or for a plain zod schema
 * from `.describe()` / `.meta({ description, secret })`, `.default()` and `.optional()`.
 * Undefined when the schema carries no description.
 */
export const describeVariable = (schema: z.ZodType): VariableDescription | undefined => {
  const declared = catalogue.get(schema);
  if (declared) return declared;
  let current: z.ZodType = schema;
  let defaultValue: string | undefined;
  let optional = false;
  for (;;) {
    const meta = z.globalRegistry.get(current);
    if (meta?.description) {
      return { description: meta.description, default: defaultValue, secret: meta['secret'] === true, optional: optional && defaultValue === undefined };
    }
    const def = current.def as { type: string; innerType?: z.ZodType; defaultValue?: unknown };
    if (!def.innerType) return undefined;
    if (def.type === 'default' || def.type === 'prefault') defaultValue ??= String(def.defaultValue);
    if (def.type === 'optional') optional = true;
    current = def.innerType;
  }
};
