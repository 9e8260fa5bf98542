-- Up Migration
-- The usage tables (0007) hold tenant data too: the same policies as 0008 (see there and
-- docs/decisions/0011-tenant-isolation.md). token_budgets (0006) is left out, like tenants and
-- api_keys: it holds limits an operator sets, no tenant content, and is read with the key.
DO $$
DECLARE
  tenant_table text;
BEGIN
  FOREACH tenant_table IN ARRAY ARRAY['usage_records', 'usage_daily'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tenant_table);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', tenant_table);
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
