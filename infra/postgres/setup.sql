-- Roles and databases for Rivulet, run by `rivulet infra up` as the cluster's superuser on
-- every start (each statement is idempotent). Local development passwords, documented in
-- infra/README.md; the server listens on 127.0.0.1 only.

-- The application role owns its database, so it may create schemas (tests do), but it is
-- not a superuser and cannot create extensions: that is done below.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rivulet') THEN
    CREATE ROLE rivulet LOGIN PASSWORD 'rivulet';
  END IF;
  -- Apicurio Registry keeps every schema in its own database.
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'apicurio') THEN
    CREATE ROLE apicurio LOGIN PASSWORD 'apicurio';
  END IF;
END
$$;

SELECT 'CREATE DATABASE rivulet OWNER rivulet'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'rivulet') \gexec

SELECT 'CREATE DATABASE apicurio OWNER apicurio'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'apicurio') \gexec

-- A second database of the application role, for tests that change what is global to a database
-- (which index version is active: e2e/test/reindex.test.ts) without disturbing the tests that
-- share `rivulet`. Nothing in production uses it.
SELECT 'CREATE DATABASE rivulet_scratch OWNER rivulet'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'rivulet_scratch') \gexec

\connect rivulet_scratch
CREATE EXTENSION IF NOT EXISTS vector;

\connect rivulet
CREATE EXTENSION IF NOT EXISTS vector;
