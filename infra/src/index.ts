/**
 * @rivulet/infra: installs and starts Rivulet's backing services natively (no Docker):
 * Kafka 4.1.1 in KRaft mode, Apicurio Registry 3.0.9 (Confluent-compatible API, schemas in
 * PostgreSQL), PostgreSQL 15 with pgvector, and Redis, all on 127.0.0.1. See infra/README.md.
 */
export { infraDown, infraStatus, infraUp } from './infra.js';
export { InfraError } from './infra-error.js';
export type { InfraErrorCode } from './infra-error.js';
export { connectionDefaults, connectionsFor } from './connection-defaults.js';
export { freePort } from './free-port.js';
export { infraComponents } from './options.js';
export { modelPaths, type ModelPaths } from './models.js';
export type { InfraComponent, InfraOptions, InfraProgressEvent } from './options.js';
export type { ServiceStatus } from './service.js';
