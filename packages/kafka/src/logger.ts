/**
 * The logging surface the runtime needs. A pino logger satisfies it; the runtime never
 * imports pino itself (CONVENTIONS.md rule 6).
 */
export interface RuntimeLogger {
  debug(object: object, message?: string): void;
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
  child(bindings: Record<string, unknown>): RuntimeLogger;
  /** pino's: lets the runtime skip building a per-event debug line nobody reads. Absent: treated as disabled. */
  isLevelEnabled?(level: string): boolean;
}

const noop = (): void => undefined;

export const silentLogger: RuntimeLogger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
};
