// Pure parsers for the textual formats environment variables use. Each returns the
// parsed value or throws a TypeError/RangeError whose message starts with "expected",
// never echoing the input (the input may be a secret).

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `"500ms"`, `"30s"`, `"1.5m"`, `"2h"`, `"7d"` to milliseconds. A unit is required: `"30"` is ambiguous. */
export const parseDuration = (text: string): number => {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/i.exec(text.trim());
  const unit = durationUnits[match?.[2]?.toLowerCase() ?? ''];
  if (!match || unit === undefined) {
    throw new TypeError('expected a duration with a unit (ms, s, m, h, d), such as 500ms, 30s or 7d');
  }
  return checkedInteger(Number(match[1]) * unit, 'expected a duration below 2^53 milliseconds');
};

const byteUnits: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
};

/** `"20MB"` (10^6), `"1MiB"` (2^20), `"512"` (bytes) to bytes. Units are case-insensitive. */
export const parseByteSize = (text: string): number => {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = byteUnits[(match?.[2] || 'b').toLowerCase()];
  if (!match || unit === undefined) {
    throw new TypeError('expected a byte size such as 512, 64KB, 20MB or 1MiB');
  }
  return checkedInteger(Number(match[1]) * unit, 'expected a byte size below 2^53 bytes');
};

/** `true`/`false`/`1`/`0`, case-insensitive. Anything else is an error, not `false`. */
export const parseBoolean = (text: string): boolean => {
  const normalized = text.trim().toLowerCase();
  if (normalized === 'true' || normalized === '1') return true;
  if (normalized === 'false' || normalized === '0') return false;
  throw new TypeError('expected true, false, 1 or 0');
};

export interface IntegerBounds {
  min?: number;
  max?: number;
}

/** A base-10 integer within `[min, max]`. */
export const parseInteger = (text: string, { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER }: IntegerBounds = {}): number => {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (!/^-?\d+$/.test(trimmed) || !Number.isSafeInteger(value)) throw new TypeError(`expected an integer from ${min} to ${max}`);
  if (value < min || value > max) throw new RangeError(`expected an integer from ${min} to ${max}`);
  return value;
};

/** A TCP port; 0 (let the system pick a free port) only when `allowZero`. */
export const parsePort = (text: string, { allowZero = false }: { allowZero?: boolean } = {}): number => {
  const min = allowZero ? 0 : 1;
  try {
    return parseInteger(text, { min, max: 65_535 });
  } catch {
    throw new RangeError(`expected a port number from ${min} to 65535`);
  }
};

/** An absolute URL whose protocol (e.g. `'https:'`) is one of `protocols`; returned as written. */
export const parseUrl = (text: string, { protocols }: { protocols?: readonly string[] } = {}): string => {
  const trimmed = text.trim();
  const expectation = protocols ? `expected a URL starting with ${protocols.map((protocol) => `${protocol}//`).join(' or ')}` : 'expected an absolute URL';
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new TypeError(expectation);
  }
  if (protocols && !protocols.includes(url.protocol)) throw new TypeError(expectation);
  return trimmed;
};

/** `host:port` or `[ipv6]:port`, as Kafka client libraries take broker addresses. */
export const parseHostPort = (text: string): string => {
  const trimmed = text.trim();
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?):(\d+)$/i.exec(trimmed);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65_535) throw new TypeError('expected host:port, such as 127.0.0.1:9092');
  return trimmed;
};

/** Splits on commas, trims, drops empty items, and parses each item. */
export const parseList = <T>(text: string, parseItem: (item: string) => T): T[] => {
  const items = text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (items.length === 0) throw new TypeError('expected a comma-separated list with at least one item');
  return items.map((item, index) => {
    try {
      return parseItem(item);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new TypeError(`item ${index + 1} of the comma-separated list: ${reason}`);
    }
  });
};

const checkedInteger = (value: number, message: string): number => {
  if (!Number.isSafeInteger(Math.round(value))) throw new RangeError(message);
  return Math.round(value);
};
