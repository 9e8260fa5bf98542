import { runEmbeddingWorker } from '@rivulet/worker-embedding';
import { runIndexer } from '@rivulet/worker-indexer';
import { runGeneration } from '@rivulet/worker-generation';
import { runIngestionWorker } from '@rivulet/worker-ingestion';
import { runPersistence } from '@rivulet/worker-persistence';
import { runRetrieval } from '@rivulet/worker-retrieval';
import { say, warn } from '../output.js';

type Runner = (env?: NodeJS.ProcessEnv) => Promise<{ stop(): Promise<void> }>;

/** Every worker `rivulet worker <name>` can run, by name. */
export const WORKERS: Record<string, { run: Runner; description: string }> = {
  ingestion: { run: runIngestionWorker, description: 'documents -> parse, chunk -> chunks (group rivulet-ingestion)' },
  embedding: { run: runEmbeddingWorker, description: 'chunks -> embeddings, batched and cached (group rivulet-embedding)' },
  indexer: { run: runIndexer, description: 'embedded chunks -> PostgreSQL + pgvector (group rivulet-indexer)' },
  retrieval: { run: runRetrieval, description: 'embedded questions -> pgvector search -> contexts (group rivulet-retrieval)' },
  generation: { run: runGeneration, description: 'contexts -> the chat model -> streamed replies (group rivulet-generation)' },
  persistence: { run: runPersistence, description: 'requests and replies -> conversations and messages in PostgreSQL (group rivulet-persistence)' },
};

/**
 * `rivulet worker <name>`: one process of one worker, in the foreground until SIGTERM/SIGINT
 * (run more of them to scale out: they share the consumer group).
 */
export const worker = async (name: string): Promise<number> => {
  const entry = WORKERS[name];
  if (!entry) {
    warn(`Unknown worker "${name}". Workers: ${Object.keys(WORKERS).join(', ')}.`);
    return 2;
  }
  await entry.run();
  say(`worker ${name} running (Ctrl-C to stop)`);
  // The service's signal handlers stop the worker and exit the process.
  await new Promise<never>(() => undefined);
  return 0;
};
