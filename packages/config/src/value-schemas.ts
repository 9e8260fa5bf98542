// Zod schemas that parse one raw environment string. Use them as the `schema` of
// `variable()`. Messages are phrased as expectations and never echo the value.
import { z } from 'zod';
import {
  parseBoolean, parseByteSize, parseDuration, parseHostPort, parseInteger, parseList, parsePort, parseUrl,
  type IntegerBounds,
} from './parsers.js';

/** A schema from a raw string to `T`: the input type every config variable has. */
export type StringSchema<T = unknown> = z.ZodType<T, string>;

/** Adapts a throwing parser (see parsers.ts) into a zod schema. */
export const fromParser = <T>(parse: (text: string) => T): z.ZodPipe<z.ZodString, z.ZodTransform<Awaited<T>, string>> =>
  z.string().transform((text, context) => {
    try {
      return parse(text);
    } catch (error) {
      context.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
      return z.NEVER;
    }
  });

/** Milliseconds, written `500ms`, `30s`, `5m`, `2h`, `7d`. */
export const duration = () => fromParser(parseDuration);

/** Bytes, written `512`, `64KB`, `20MB`, `1MiB`. */
export const byteSize = () => fromParser(parseByteSize);

/** A number (decimals allowed) from `min` to `max`, e.g. a share from 0 to 1. */
export const decimal = ({ min, max }: { min: number; max: number }) => fromParser((value) => {
  const number = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(number) || number < min || number > max) throw new TypeError(`expected a number from ${min} to ${max}`);
  return number;
});

/** `true`/`false`/`1`/`0`. */
export const booleanFlag = () => fromParser(parseBoolean);

export const integer = (bounds: IntegerBounds = {}) => fromParser((text) => parseInteger(text, bounds));

/** A TCP port, optionally allowing 0 ("pick a free port"). */
export const port = (options: { allowZero?: boolean } = {}) => fromParser((text) => parsePort(text, options));

/** An absolute URL, kept as written; `protocols` such as `['http:', 'https:']`. */
export const url = (options: { protocols?: readonly string[] } = {}) => fromParser((text) => parseUrl(text, options));

/** `host:port`. */
export const hostPort = () => fromParser(parseHostPort);

/** A non-empty string, trimmed. */
export const text = () => fromParser((value) => {
  const trimmed = value.trim();
  if (trimmed === '') throw new TypeError('expected a non-empty string');
  return trimmed;
});

/** One of a fixed set of words, e.g. `oneOf(['development', 'test', 'production'])`. */
export const oneOf = <const Values extends readonly [string, ...string[]]>(values: Values) =>
  fromParser((value): Values[number] => {
    const match = values.find((candidate) => candidate === value.trim());
    if (match === undefined) throw new TypeError(`expected one of ${values.join(', ')}`);
    return match;
  });

/** Comma-separated items, each parsed by `item` (a parser function), e.g. `commaList(parseHostPort)`. */
export const commaList = <T>(item: (text: string) => T) =>
  fromParser((value) => parseList(value, item));
