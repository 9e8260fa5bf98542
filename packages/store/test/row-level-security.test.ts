import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createPool, insertAssistantMessage, insertUserMessage, migrate, recordUsage, withAllTenants, withTenant, withTransaction, type Pool } from '../src/index.js';

/** A pool (no tenant set) or a client of a transaction. */
type Queryable = Pick<Pool, 'query'>;

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://rivulet:rivulet@127.0.0.1:5432/rivulet';
const schema = `rls_test_${randomBytes(4).toString('hex')}`;
const pool = createPool({ databaseUrl, schema, max: 4 });
/** One connection: what a pooled connection sees after a tenant's transaction on it has ended. */
const single = createPool({ databaseUrl, schema, max: 1 });

const TENANT_TABLES = ['documents', 'chunks', 'pending_chunks', 'conversations', 'messages', 'usage_records', 'usage_daily'] as const;
const A = 'tenant-a';
// A tenant id that a naive quoting would break: it travels as a literal with BEGIN.
const B = `o'brien\\'); SELECT set_config('rivulet.all_tenants', 'on', true); --`;
const RLS_VIOLATION = (error: unknown) => (error as { code?: string }).code === '42501' && /row-level security/.test(String(error));

const insertDocument = (client: Queryable, tenantId: string, documentId: string) =>
  client.query(`INSERT INTO documents (tenant_id, collection, document_id, version, status) VALUES ($1, 'default', $2, 'v1', 'completed')`, [tenantId, documentId]);

const insertChunk = (client: Queryable, table: 'chunks' | 'pending_chunks', tenantId: string, documentId: string) =>
  client.query(
    `INSERT INTO ${table} (tenant_id, collection, document_id, document_version, chunk_index, index_version, chunk_id, chunk_count, text,
                           start_offset, end_offset, content_hash, embedding, model_id, model_version)
     SELECT $1, 'default', $2, 'v1', 0, id, $2 || ':0', 1, 'text', 0, 4, 'sha256:x', '[1,0,0]', model_id, model_version FROM index_versions`,
    [tenantId, documentId],
  );

/** Rows per tenant of each tenant table, as `client` sees them (no WHERE clause of its own). */
const visible = async (client: Queryable): Promise<Record<string, string[]>> => {
  const seen: Record<string, string[]> = {};
  for (const table of TENANT_TABLES) {
    seen[table] = (await client.query<{ tenant_id: string }>(`SELECT * FROM ${table} ORDER BY tenant_id`)).rows.map((row) => row.tenant_id);
  }
  return seen;
};

const each = (tenants: string[]): Record<string, string[]> => Object.fromEntries(TENANT_TABLES.map((table) => [table, tenants]));

before(async () => {
  await migrate({ databaseUrl, schema });
  await pool.query(`INSERT INTO index_versions (model_id, model_version, dimension, state) VALUES ('model', 'v1', 3, 'active')`);
  for (const [tenantId, documentId] of [[A, 'doc-a'], [B, 'doc-b']] as const) {
    await withTenant(pool, tenantId, async (client) => {
      await insertDocument(client, tenantId, documentId);
      await insertChunk(client, 'chunks', tenantId, documentId);
      await insertChunk(client, 'pending_chunks', tenantId, documentId);
    });
    await insertUserMessage(pool, { tenantId, conversationId: 'c1', requestId: 'r1', content: 'question', createdAt: Date.now() });
    await insertAssistantMessage(pool, { tenantId, conversationId: 'c1', requestId: 'r1', messageId: 'r1:assistant', content: 'answer', createdAt: Date.now(), usage: { inputTokens: 1, outputTokens: 1 } });
    await recordUsage(pool, {
      tenantId, requestId: 'r1', attemptId: 'a1', apiKeyId: 'key-1', requestedModel: 'auto', model: 'm', provider: 'local', servedBy: ['local'],
      inputTokens: 1, outputTokens: 1, costUsd: null, latencyMs: 5, outcome: 'done', errorCode: null, occurredAt: Date.now(),
    });
  }
});
after(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await Promise.all([pool.end(), single.end()]);
});

test('the all-tenants bypass sees both tenants\' rows (so the empty results below are not for want of data)', async () => {
  const both = [A, B].sort();
  const expected = Object.fromEntries(TENANT_TABLES.map((table) => [table, table === 'messages' ? both.flatMap((tenant) => [tenant, tenant]) : both]));
  assert.deepEqual(await withAllTenants(pool, 'test: see every tenant', visible), expected);
  await assert.rejects(withAllTenants(pool, '', visible), TypeError, 'a reason is required');
});

test('with no tenant set, a plain SELECT of every tenant table returns no rows, even with the right WHERE clause', async () => {
  assert.deepEqual(await visible(pool), each([]), 'outside any transaction');
  assert.deepEqual(await withTransaction(pool, visible), each([]), 'in a transaction of its own');
  for (const table of TENANT_TABLES) {
    const { rows } = await pool.query(`SELECT * FROM ${table} WHERE tenant_id = $1`, [A]);
    assert.deepEqual(rows, [], table);
  }
});

test('a pooled connection that served a tenant sees nothing once that transaction has ended', async () => {
  assert.deepEqual(await withTenant(single, A, visible), { ...each([A]), messages: [A, A] });
  assert.deepEqual(await visible(single), each([]), 'committed');
  await assert.rejects(withTenant(single, A, () => Promise.reject(new Error('work failed'))), /work failed/);
  assert.deepEqual(await visible(single), each([]), 'rolled back');
});

test('with a tenant set, only that tenant\'s rows', async () => {
  assert.deepEqual(await withTenant(pool, A, visible), { ...each([A]), messages: [A, A] });
  assert.deepEqual(await withTenant(pool, B, visible), { ...each([B]), messages: [B, B] }, 'a quote in the tenant id is quoted, not executed');
  assert.deepEqual(await withTenant(pool, 'tenant-nobody', visible), each([]));
  await assert.rejects(withTenant(pool, '', visible), TypeError, 'an empty tenant is a mistake, not "no tenant"');
});

test('an insert for another tenant, or with no tenant set, is refused', async () => {
  await assert.rejects(withTenant(pool, A, (client) => insertDocument(client, B, 'smuggled')), RLS_VIOLATION, 'mismatched tenant');
  await assert.rejects(insertDocument(pool, A, 'unscoped'), RLS_VIOLATION, 'no tenant set');
  await assert.rejects(withTenant(pool, A, (client) => insertChunk(client, 'chunks', B, 'smuggled')), RLS_VIOLATION);
  await assert.rejects(withTenant(pool, A, (client) => insertChunk(client, 'pending_chunks', B, 'smuggled')), RLS_VIOLATION);
  await assert.rejects(
    withTenant(pool, A, (client) => client.query(`INSERT INTO conversations (tenant_id, id) VALUES ($1, 'c2')`, [B])), RLS_VIOLATION);
  await assert.rejects(
    insertUserMessage(pool, { tenantId: '', conversationId: 'c1', requestId: 'r2', content: 'q', createdAt: Date.now() }), TypeError);
  const stored = await withAllTenants(pool, 'test: nothing was stored', (client) => client.query(`SELECT 1 FROM documents WHERE document_id IN ('smuggled', 'unscoped')`));
  assert.equal(stored.rowCount, 0);
});

test('another tenant\'s rows cannot be updated or deleted, nor a row moved to another tenant', async () => {
  await withTenant(pool, A, async (client) => {
    assert.equal((await client.query(`UPDATE documents SET title = 'changed' WHERE tenant_id = $1`, [B])).rowCount, 0);
    assert.equal((await client.query(`DELETE FROM messages WHERE tenant_id = $1`, [B])).rowCount, 0);
  });
  await assert.rejects(withTenant(pool, A, (client) => client.query(`UPDATE conversations SET tenant_id = $1 WHERE tenant_id = $2`, [B, A])), RLS_VIOLATION);
  assert.equal((await pool.query(`DELETE FROM chunks`)).rowCount, 0, 'no tenant set: nothing to delete');
  assert.deepEqual((await withAllTenants(pool, 'test: all still there', visible)).chunks, [A, B].sort());
});

test('row-level security is enabled and forced on every tenant table; the application role does not bypass it', async () => {
  const { rows } = await pool.query<{ relname: string; enabled: boolean; forced: boolean; policies: string[] }>(`
    SELECT c.relname, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
           array(SELECT polname FROM pg_policy WHERE polrelid = c.oid ORDER BY polname)::text[] AS policies
      FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relname = ANY($2) ORDER BY c.relname`, [schema, TENANT_TABLES]);
  assert.deepEqual(rows, [...TENANT_TABLES].sort().map((relname) => ({ relname, enabled: true, forced: true, policies: ['all_tenants', 'tenant_isolation'] })));
  const role = (await pool.query<{ rolbypassrls: boolean; rolsuper: boolean }>('SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = current_user')).rows[0];
  assert.deepEqual(role, { rolbypassrls: false, rolsuper: false });
});
