-- 000004: a PostgreSQL schema per tenant, and the fingerprint of an idempotent request.

-- Which schema a tenant's tables live in. A tenant without a row gets `t_<tenant>` on its first
-- upload (set_by 'auto'); an operator can point it at an existing schema (keys CLI
-- `tenant set-schema`, set_by 'operator'). Two tenants share a schema only when an operator
-- says so.
CREATE TABLE IF NOT EXISTS ingest.tenants (
  tenant text PRIMARY KEY,
  schema_name text NOT NULL CHECK (schema_name <> ''),
  set_by text NOT NULL CHECK (set_by IN ('auto', 'operator', 'migration')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS tenants_schema_idx ON ingest.tenants (schema_name);

-- Upgrade path: every tenant that already has a job loaded into `public` before this version,
-- and keeps doing so, so the tables its readers query stay where they are. Tenants without a job
-- yet (a key only) start in their own schema.
INSERT INTO ingest.tenants (tenant, schema_name, set_by)
SELECT DISTINCT tenant, 'public', 'migration' FROM ingest.jobs
ON CONFLICT (tenant) DO NOTHING;

-- The schema a job loads into, fixed when the job is created (a later mapping change does not
-- move a running job). Existing jobs, and jobs a gateway of the previous version records during a
-- rolling upgrade, loaded into `public`.
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS target_schema text NOT NULL DEFAULT 'public';

-- SHA-256 of the request's options (table, load mode, dialect, …) a job was created with under an
-- Idempotency-Key: the same key with other options is refused (IDEMPOTENCY_KEY_REUSED). Null for
-- jobs without a key and for jobs recorded before this version (those replay as before).
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS request_fingerprint text;
