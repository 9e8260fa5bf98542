import type { InfraComponent } from './options.js';

/**
 * Why an infra step failed. The CLI prints `message`, which already names the component,
 * the log file to read and the last lines of that log.
 */
export type InfraErrorCode =
  | 'invalid_options'
  | 'needs_root'
  | 'install_failed'
  | 'command_failed'
  | 'port_in_use'
  | 'exited'
  | 'start_timeout'
  | 'stop_failed'
  | 'locked';

export class InfraError extends Error {
  /** The service that failed, or `infra` for a failure not tied to one service (bad options, the run lock). */
  readonly component: InfraComponent | 'infra';
  /** The log file that tells more; empty when there is none. */
  readonly logFile: string;
  readonly code: InfraErrorCode;
  /** True when running the same command again later may succeed (a timeout, a busy lock). */
  readonly retriable: boolean;

  constructor(options: {
    component: InfraComponent | 'infra';
    code: InfraErrorCode;
    message: string;
    logFile?: string;
    retriable?: boolean;
    cause?: unknown;
  }) {
    super(options.message, { cause: options.cause });
    this.name = 'InfraError';
    this.component = options.component;
    this.code = options.code;
    this.logFile = options.logFile ?? '';
    this.retriable = options.retriable ?? false;
  }
}
