import type { InfraComponent } from './options.js';
import type { LaunchSpec } from './processes.js';
import type { ProbeResult } from './probes.js';

export interface ServiceStatus {
  component: InfraComponent;
  /** What a client connects to (for the schema registry: its Confluent-compatible base URL). */
  address: string;
  healthy: boolean;
  detail: string;
  /** Set when the process was started by `infraUp` and is still running. */
  pid?: number;
  /** The main process's resident memory (VmRSS). */
  rssBytes?: number;
  logFile: string;
  /** Milliseconds from spawn to the first healthy probe, measured when it was started. */
  startupMs?: number;
}

/** What the shared lifecycle needs to know about one backing service. */
export interface ServiceDefinition {
  component: InfraComponent;
  address: string;
  /** What our instance is, for status lines (not claimed for a process someone else started). */
  summary: string;
  /** Every port it listens on; checked for other owners before it starts. */
  ports: readonly number[];
  /** Advice for a port taken by a process we know (Debian's own PostgreSQL cluster), given its command line. */
  portConflictHint?(commandLine: string): string | undefined;
  /** A part of the running process's command line that only our instance has: guards against a reused pid. */
  commandLineMarker: string;
  /** Downloads or builds what is missing; cheap file checks when nothing is. */
  install(): Promise<void>;
  /** Writes configuration and initialises data before each start. */
  prepare(): Promise<void>;
  launch(): LaunchSpec;
  probe(): Promise<ProbeResult>;
  /** Runs on every `infraUp` once the service answers (idempotent setup such as roles and databases). */
  afterReady?(): Promise<void>;
  readyTimeoutMs: number;
  /** PostgreSQL's fast shutdown is SIGINT; SIGTERM would wait for every client to disconnect. */
  stopSignal: NodeJS.Signals;
  stopTimeoutMs: number;
}
