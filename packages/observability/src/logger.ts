import { hostname } from 'node:os';
import { pino, type DestinationStream, type LevelWithSilent, type Logger } from 'pino';
import { defaultRedactPaths, redactionCensor } from './redaction.js';

export type { DestinationStream, LevelWithSilent, Logger };

export interface LoggerOptions {
  /** The service (process) name, e.g. `ingress` or `embedding`: every line carries it as `service`. */
  name: string;
  /** Minimum level; LOG_LEVEL from the config. Default `info`. */
  level?: LevelWithSilent;
  /** Where JSON lines go; default standard output. Tests pass a stream that collects them. */
  destination?: DestinationStream;
  /** Paths redacted in addition to `defaultRedactPaths` (pino `redact.paths` syntax). */
  redactPaths?: readonly string[];
  /** Further fields on every line, e.g. `{ instance: 'embedding-2' }`. */
  base?: Record<string, unknown>;
}

/**
 * The one root logger of a process: JSON lines with `service`, `pid`, `hostname`, ISO time
 * and the level as a word; credentials and prompt text replaced by `[redacted]`; errors
 * serialised under both `error` and `err`. Make child loggers from it, never a second root.
 */
export const createLogger = ({ name, level = 'info', destination, redactPaths = [], base = {} }: LoggerOptions): Logger => {
  const options: pino.LoggerOptions = {
    level,
    base: { service: name, pid: process.pid, hostname: hostname(), ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { error: pino.stdSerializers.err, err: pino.stdSerializers.err },
    redact: { paths: [...defaultRedactPaths, ...redactPaths], censor: redactionCensor },
  };
  return destination ? pino(options, destination) : pino(options);
};

/** A child logger for one component of the process (`component` field on every line). */
export const componentLogger = (logger: Logger, component: string): Logger => logger.child({ component });

/** Correlation fields bound to a child logger; undefined ones are left out. */
export interface LogContext {
  traceId?: string | undefined;
  spanId?: string | undefined;
  requestId?: string | undefined;
  correlationId?: string | undefined;
  tenantId?: string | undefined;
}

/** A child logger carrying the ids that tie a line to a request or trace. */
export const withContext = (logger: Logger, context: LogContext): Logger =>
  logger.child(Object.fromEntries(Object.entries(context).filter(([, value]) => value !== undefined)));
