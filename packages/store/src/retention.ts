// Erasure (operators' issue "Clean up"): a tenant's or a user's data on request (expired
// conversations: expired-conversations.ts). The Kafka side (tombstones on the compacted topics) is
// the caller's: eraseTenant returns the documents and chunk indexes whose keys need one.
import type { Pool, PoolClient } from './pool.js';
import { withAllTenants, withTenant } from './tenant-scope.js';

export interface EraseOptions {
  tenantId: string;
  /** Only this user's conversations and messages (conversations.user_id); the tenant's documents stay. */
  userId?: string;
  /** Count and list what would go; delete nothing. */
  dryRun?: boolean;
}

/** A document that was erased: its compacted-topic keys need tombstones. */
export interface ErasedDocument {
  collection: string;
  documentId: string;
  /** Chunk indexes 0 … chunkCount-1 may have keys on the chunk topics (the largest count known). */
  chunkCount: number;
}

export interface EraseResult {
  /** Rows deleted per table (would be, for a dry run). */
  rows: Record<string, number>;
  documents: ErasedDocument[];
}

/** The tenant tables of migrations 0002–0009, children first. */
export const ERASED_TABLES = ['messages', 'conversations', 'pending_chunks', 'chunks', 'documents', 'usage_records', 'usage_daily'] as const;

const LIST_DOCUMENTS = `
  SELECT d.collection, d.document_id AS "documentId",
         GREATEST(d.chunk_count, d.chunk_keys,
           (SELECT max(chunk_index) + 1 FROM chunks c WHERE c.tenant_id = d.tenant_id AND c.collection = d.collection AND c.document_id = d.document_id),
           (SELECT max(chunk_index) + 1 FROM pending_chunks p WHERE p.tenant_id = d.tenant_id AND p.collection = d.collection AND p.document_id = d.document_id),
           0)::int AS "chunkCount",
         array_remove(ARRAY[d.version, d.current_version], NULL) AS versions
    FROM documents d WHERE d.tenant_id = $1 ORDER BY d.collection, d.document_id`;

const USER_MESSAGES = `messages m USING conversations c WHERE m.tenant_id = $1 AND c.tenant_id = $1 AND c.id = m.conversation_id AND c.user_id = $2`;
const COUNT_USER_MESSAGES = `SELECT count(*)::int AS count FROM messages m JOIN conversations c ON c.tenant_id = m.tenant_id AND c.id = m.conversation_id
   WHERE m.tenant_id = $1 AND c.user_id = $2`;

const countOrDelete = async (client: PoolClient, dryRun: boolean, table: string, where: string, values: unknown[]): Promise<number> => {
  const result = await client.query<{ count: number }>(dryRun ? `SELECT count(*)::int AS count FROM ${table} WHERE ${where}` : `DELETE FROM ${table} WHERE ${where}`, values);
  return dryRun ? result.rows[0]!.count : result.rowCount ?? 0;
};

/**
 * Erases a user's conversations, or everything a tenant has stored in PostgreSQL, in one
 * transaction scoped to the tenant (row-level security keeps every other tenant out of reach).
 * For a whole tenant it also deletes the document bytes (document_blobs, shared across tenants by
 * content hash) that no remaining document of any tenant uses. API keys, the tenant row and its
 * budgets are operator configuration and stay (`rivulet keys revoke` removes keys).
 */
export const eraseTenant = async (pool: Pool, { tenantId, userId, dryRun = false }: EraseOptions): Promise<EraseResult> => {
  if (userId !== undefined && userId === '') throw new TypeError('userId must be a non-empty string when given');
  if (userId !== undefined) {
    return withTenant(pool, tenantId, async (client) => {
      const messages = dryRun
        ? (await client.query<{ count: number }>(COUNT_USER_MESSAGES, [tenantId, userId])).rows[0]!.count
        : (await client.query(`DELETE FROM ${USER_MESSAGES}`, [tenantId, userId])).rowCount ?? 0;
      const conversations = await countOrDelete(client, dryRun, 'conversations', 'tenant_id = $1 AND user_id = $2', [tenantId, userId]);
      return { rows: { messages, conversations }, documents: [] };
    });
  }
  const { rows, documents, versions } = await withTenant(pool, tenantId, async (client) => {
    const listed = (await client.query<ErasedDocument & { versions: string[] }>(LIST_DOCUMENTS, [tenantId])).rows;
    const counts: Record<string, number> = {};
    for (const table of ERASED_TABLES) counts[table] = await countOrDelete(client, dryRun, table, 'tenant_id = $1', [tenantId]);
    return {
      rows: counts,
      documents: listed.map(({ collection, documentId, chunkCount }) => ({ collection, documentId, chunkCount })),
      versions: [...new Set(listed.flatMap((document) => document.versions))],
    };
  });
  // After the commit: a blob is dropped only when no other tenant's document names it.
  rows.document_blobs = versions.length === 0 ? 0 : await withAllTenants(pool, `erasure: document bytes of tenant ${tenantId} no other document uses`, (client) =>
    countOrDelete(client, dryRun, 'document_blobs', `content_hash = ANY($1) AND NOT EXISTS (
      SELECT 1 FROM documents d WHERE ${dryRun ? 'd.tenant_id <> $2 AND ' : ''}(d.version = content_hash OR d.current_version = content_hash))`, dryRun ? [versions, tenantId] : [versions]));
  return { rows, documents };
};
