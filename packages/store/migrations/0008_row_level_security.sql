-- Up Migration
-- Tenant isolation enforced by PostgreSQL as well as by every query's `tenant_id = $1`
-- (docs/decisions/0011-tenant-isolation.md). A tenant table shows, and accepts, only the rows of
-- the tenant named by the transaction-local setting `rivulet.tenant_id`, set by the store's
-- withTenant(). With no tenant set it shows nothing and accepts nothing: a query that forgets its
-- scope fails closed. `rivulet.all_tenants = on` (the store's withAllTenants(), the migration
-- runner) is the one named way to reach every tenant's rows.
--
-- FORCE: the application role owns these tables, and an owner is otherwise exempt from its own
-- policies. Superusers and BYPASSRLS roles are always exempt (the application role is neither).
-- Not covered: tables with no tenant (processed_events, index_versions, document_blobs, which is
-- content-addressed and shared across tenants on purpose), and tenants/api_keys, which the
-- ingress reads by key hash before it knows any tenant.
DO $$
DECLARE
  tenant_table text;
BEGIN
  FOREACH tenant_table IN ARRAY ARRAY['documents', 'chunks', 'pending_chunks', 'conversations', 'messages'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tenant_table);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', tenant_table);
    -- NULLIF: after a transaction that set it ends, the setting reads '' rather than NULL.
    EXECUTE format($policy$
      CREATE POLICY tenant_isolation ON %I
        USING (tenant_id = NULLIF(current_setting('rivulet.tenant_id', true), ''))
        WITH CHECK (tenant_id = NULLIF(current_setting('rivulet.tenant_id', true), ''))$policy$, tenant_table);
    EXECUTE format($policy$
      CREATE POLICY all_tenants ON %I
        USING (current_setting('rivulet.all_tenants', true) = 'on')
        WITH CHECK (current_setting('rivulet.all_tenants', true) = 'on')$policy$, tenant_table);
  END LOOP;
END
$$;
