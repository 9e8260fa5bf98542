// `rivulet reindex --list` and `rivulet reindex --drop <version>`: the index versions, and
// removing one that search no longer reads.
import { createInterface } from 'node:readline/promises';
import { describeMembers, openClusterInspector } from '@rivulet/kafka';
import { dropIndexVersion, findIndexVersion, listIndexVersions, StoreError, vectorIndexName, type IndexVersion } from '@rivulet/store';
import type { CliConfig } from '../context.js';
import { say, table, warn } from '../output.js';
import { withPool } from './database.js';
import { CALL_TIMEOUT_MS, operatorKafka } from './replay.js';

/** The consumer group of the replay that fills index version `id` (KAFKA_TOPIC_PREFIX in front). */
export const reindexGroupId = (prefix: string, id: number): string => `${prefix}rivulet-reindex-v${id}`;

/** `sentence-transformers/all-MiniLM-L6-v2 (onnx-int8-8199be6f699a395f, 384 dimensions)`. */
export const describeModel = (version: Pick<IndexVersion, 'modelId' | 'modelVersion' | 'dimension'>): string =>
  `${version.modelId} (${version.modelVersion}, ${version.dimension} dimensions)`;

/** An error with a code, printed as `rivulet reindex: <code>: <message>` (or in --json). */
export const failWith = (code: string, message: string, json: boolean | undefined, exitCode = 1): number => {
  if (json === true) say(JSON.stringify({ error: { code, message } }));
  warn(`rivulet reindex: ${code}: ${message}`);
  return exitCode;
};

const time = (value: Date | null): string => (value === null ? '-' : value.toISOString().replace(/\.\d+Z$/, 'Z'));

export const listVersions = async (config: CliConfig, { json }: { json?: boolean }): Promise<number> => {
  const versions = await withPool(config, 'index version', (pool) => listIndexVersions(pool));
  if (json === true) {
    say(JSON.stringify({ versions }));
    return 0;
  }
  if (versions.length === 0) {
    say('No index version yet: the indexer creates the first one when the first chunk is embedded.');
    return 0;
  }
  say(table([
    ['ID', 'STATE', 'MODEL', 'MODEL VERSION', 'DIM', 'CHUNKS', 'PENDING', 'DOCUMENTS', 'CREATED', 'ACTIVATED', 'RETIRED'],
    ...versions.map((version) => [
      String(version.id), version.state, version.modelId, version.modelVersion, String(version.dimension), String(version.chunks), String(version.pendingChunks),
      String(version.documents), time(version.createdAt), time(version.activatedAt), time(version.retiredAt),
    ]),
  ]));
  return 0;
};

const confirmed = async (what: string): Promise<boolean> => {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await prompt.question(`Drop ${what}? Its rows and its HNSW index are deleted. [y/N] `)).trim());
  } finally {
    prompt.close();
  }
};

/** Live members of the replay group of a version: a building version being filled is not dropped under it. */
const liveReplay = async (config: CliConfig, id: number): Promise<string | undefined> => {
  const inspector = await openClusterInspector({ kafka: operatorKafka(config), brokers: config.KAFKA_BROKERS, timeoutMs: CALL_TIMEOUT_MS });
  try {
    const [group] = await inspector.describeGroups([reindexGroupId(config.KAFKA_TOPIC_PREFIX, id)]);
    return group && group.members.length > 0 ? describeMembers(group.members) : undefined;
  } finally {
    await inspector.close();
  }
};

export const dropVersion = async (config: CliConfig, id: number, { json, yes }: { json?: boolean; yes?: boolean }): Promise<number> =>
  withPool(config, 'index version', async (pool) => {
    const version = await findIndexVersion(pool, id);
    if (!version) return failWith('unknown_version', `there is no index version ${id} (see rivulet reindex --list)`, json);
    if (version.state === 'active') {
      return failWith('version_active', `index version ${id}, ${describeModel(version)}, is the active one: search reads it. Re-index with another model first (rivulet reindex --model <name>), then drop this one`, json);
    }
    if (version.state === 'building') {
      const members = await liveReplay(config, id);
      if (members !== undefined) return failWith('reindex_running', `index version ${id} is being built by a running rivulet reindex (group ${reindexGroupId(config.KAFKA_TOPIC_PREFIX, id)}: ${members}); stop it first`, json);
    }
    const what = `index version ${id}, ${describeModel(version)}, ${version.state}`;
    if (yes !== true) {
      if (!process.stdin.isTTY) return failWith('not_confirmed', 'add --yes to drop without a terminal', json, 2);
      if (!(await confirmed(what))) {
        say('Not dropped.');
        return 1;
      }
    }
    let result;
    try {
      result = await dropIndexVersion(pool, id);
    } catch (error) {
      if (error instanceof StoreError) return failWith(error.code, error.message, json);
      throw error;
    }
    if (json === true) {
      say(JSON.stringify({ dropped: id, model: { id: version.modelId, version: version.modelVersion, dimension: version.dimension }, previousState: version.state, rows: { chunks: result.chunks, pendingChunks: result.pendingChunks }, index: vectorIndexName(id) }));
      return 0;
    }
    say(`Dropped ${what}:`);
    say(table([['WHAT', 'REMOVED'], ['chunks', String(result.chunks)], ['pending_chunks', String(result.pendingChunks)], ['HNSW index', vectorIndexName(id)]]));
    say(`The version stays listed as dropped; a later rivulet reindex --model with the same model builds it again from the chunk topic. Its consumer group ${reindexGroupId(config.KAFKA_TOPIC_PREFIX, id)} is left to Kafka's offset retention.`);
    return 0;
  });
