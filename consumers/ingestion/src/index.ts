export { runIngestionWorker, INGESTION_GROUP } from './main.js';
export { createIngestionHandler, type IngestionDependencies } from './handler.js';
export { createDocumentStore, type DocumentStore, type DocumentState, type DocumentReference } from './document-store.js';
export { ingestionConfigSchema } from './config.js';
