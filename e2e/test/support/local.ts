import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chunkText, parseDocument } from '@rivulet/documents';
import { loadOnnxEmbeddingModel, loadWordPieceTokenizer, readModelSettings, type EmbeddingModel } from '@rivulet/embedding';
import { createPool, withTenant, type Pool } from '@rivulet/store';

const home = process.env.RIVULET_HOME ?? fileURLToPath(new URL('../../../.rivulet', import.meta.url));
export const modelDirectory = join(home, 'models', 'all-minilm-l6-v2');

/** Tenant tables have row-level security: read them with `asTenant` below. */
export const database = (): Pool => createPool({ databaseUrl: process.env.DATABASE_URL ?? 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet', max: 4 });

/** The chunks the pipeline should make of these bytes: the same parser, tokenizer and limits as the worker. */
export const expectedChunks = async (content: Uint8Array, input: { mimeType?: string; fileName?: string }) => {
  const [tokenizer, settings] = await Promise.all([loadWordPieceTokenizer({ modelDirectory }), readModelSettings(modelDirectory)]);
  const parsed = await parseDocument({ content, ...input });
  return chunkText(parsed.text, { tokenizer, maxTokens: settings.maxSequenceLength ?? settings.maxPositions });
};

let model: Promise<EmbeddingModel> | undefined;
/** The same model the embedding worker runs, loaded in the test to embed queries. */
export const embeddingModel = (): Promise<EmbeddingModel> => (model ??= loadOnnxEmbeddingModel({ modelDirectory }));

/** One statement in the tenant's scope (row-level security, decision 0011). */
export const asTenant = <Row extends object = Record<string, unknown>>(pool: Pool, tenant: string, text: string, values: unknown[]) =>
  withTenant(pool, tenant, (client) => client.query<Row>(text, values));

/** The tenant's nearest visible chunk to a vector (cosine), as search will read it. */
export const nearestChunk = async (pool: Pool, tenant: string, vector: Float32Array) => {
  const { rows } = await asTenant<{ document_id: string; text: string; distance: number }>(pool, tenant,
    `SELECT c.document_id, c.text, (c.embedding::vector(384) <=> $2::vector(384)) AS distance
       FROM chunks c JOIN index_versions v ON v.id = c.index_version AND v.state = 'active'
      WHERE c.tenant_id = $1
      ORDER BY c.embedding::vector(384) <=> $2::vector(384) LIMIT 1`,
    [tenant, `[${Array.from(vector).join(',')}]`],
  );
  return rows[0];
};
