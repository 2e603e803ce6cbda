CREATE SCHEMA IF NOT EXISTS ingest;

CREATE TABLE IF NOT EXISTS ingest.jobs (
  id uuid PRIMARY KEY,
  tenant text NOT NULL DEFAULT 'default',
  idempotency_key text,
  status text NOT NULL,
  table_name text NOT NULL,
  file_name text,
  object_key text NOT NULL,
  bytes bigint NOT NULL DEFAULT 0,
  sha256 text,
  chunk_bytes bigint,
  webhook_url text,
  dialect jsonb,
  columns text[],
  chunks_total integer,
  records_found bigint,
  error_code text,
  error_message text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  -- set once the job's terminal event is on the queue (an outbox flag: crash-safe re-announce)
  announced_at timestamptz,
  UNIQUE (tenant, idempotency_key)
);

-- added after the first release: columns the splitter's dialect and encoding handling needs
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS dialect_overrides jsonb NOT NULL DEFAULT '{}';
-- the plain UTF-8 object chunks are read from, when the upload was compressed or transcoded
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS source_key text;
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS bytes_scanned bigint;

-- millisecond precision, so a page cursor carried as a JS Date matches exactly
ALTER TABLE ingest.jobs ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());
CREATE INDEX IF NOT EXISTS jobs_tenant_created_idx ON ingest.jobs (tenant, created_at DESC, id DESC);

CREATE TABLE IF NOT EXISTS ingest.chunk_ledger (
  job_id uuid NOT NULL REFERENCES ingest.jobs (id) ON DELETE CASCADE,
  chunk_index integer NOT NULL,
  rows_loaded bigint NOT NULL DEFAULT 0,
  rows_rejected bigint NOT NULL DEFAULT 0,
  committed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, chunk_index)
);

CREATE TABLE IF NOT EXISTS ingest.rejects (
  id bigserial PRIMARY KEY,
  job_id uuid NOT NULL REFERENCES ingest.jobs (id) ON DELETE CASCADE,
  chunk_index integer NOT NULL,
  line bigint NOT NULL,
  code text NOT NULL,
  message text NOT NULL,
  -- the record's exact bytes: it may hold what text cannot (NUL, invalid UTF-8)
  raw bytea NOT NULL
);
CREATE INDEX IF NOT EXISTS rejects_job_idx ON ingest.rejects (job_id, line);

-- API keys: only a SHA-256 of the secret part is stored (the secret is 256 random bits,
-- so a fast hash is enough; nothing to brute-force). Limits are per key.
CREATE TABLE IF NOT EXISTS ingest.api_keys (
  id text PRIMARY KEY,
  tenant text NOT NULL,
  secret_sha256 bytea NOT NULL,
  label text,
  max_requests_per_minute integer,
  max_concurrent_uploads integer,
  max_upload_bytes bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX IF NOT EXISTS api_keys_tenant_idx ON ingest.api_keys (tenant);

CREATE OR REPLACE FUNCTION ingest.status_rank(s text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE s
    WHEN 'received' THEN 0 WHEN 'stored' THEN 1 WHEN 'planned' THEN 2 WHEN 'loading' THEN 3
    ELSE 100 END
$$;

-- Webhooks: per-tenant endpoints; the signing secret is stored sealed (AES-256-GCM, key
-- WEBHOOK_ENCRYPTION_KEY) because signing needs it back, so a hash would not do.
CREATE TABLE IF NOT EXISTS ingest.webhook_endpoints (
  id uuid PRIMARY KEY,
  tenant text NOT NULL,
  url text NOT NULL,
  events text[] NOT NULL,
  secret_sealed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
);
CREATE INDEX IF NOT EXISTS webhook_endpoints_tenant_idx
  ON ingest.webhook_endpoints (tenant, created_at DESC, id DESC);

-- One row per message (id = the webhook-id, stable across retries and redeliveries), with the
-- exact body so every attempt sends identical bytes; the log outlives a deleted endpoint.
CREATE TABLE IF NOT EXISTS ingest.webhook_deliveries (
  id text PRIMARY KEY,
  tenant text NOT NULL,
  job_id uuid NOT NULL REFERENCES ingest.jobs (id) ON DELETE CASCADE,
  target text NOT NULL CHECK (target IN ('job', 'endpoint')),
  endpoint_id uuid REFERENCES ingest.webhook_endpoints (id) ON DELETE SET NULL,
  url text NOT NULL,
  event text NOT NULL,
  body text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_tenant_job_idx
  ON ingest.webhook_deliveries (tenant, job_id, created_at DESC);
CREATE INDEX IF NOT EXISTS webhook_deliveries_tenant_created_idx
  ON ingest.webhook_deliveries (tenant, created_at DESC, id DESC);

CREATE TABLE IF NOT EXISTS ingest.webhook_attempts (
  delivery_id text NOT NULL REFERENCES ingest.webhook_deliveries (id) ON DELETE CASCADE,
  number integer NOT NULL,
  manual boolean NOT NULL DEFAULT false,
  attempted_at timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  http_status integer,
  error text,
  PRIMARY KEY (delivery_id, number)
);
-- normalization: the job's schema (declared, from a dataset, or inferred), its reject budget,
-- the header record's exact bytes (for the rejects CSV), and the column a reject failed on
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS schema jsonb;
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS schema_source text;
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS max_rejects_count bigint;
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS max_rejects_ratio double precision;
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS header_raw bytea;
ALTER TABLE ingest.rejects ADD COLUMN IF NOT EXISTS "column" text;

-- named, stored schemas per tenant (POST /v1/datasets)
CREATE TABLE IF NOT EXISTS ingest.datasets (
  tenant text NOT NULL,
  name text NOT NULL,
  schema jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  PRIMARY KEY (tenant, name)
);

-- stage timings and byte progress (status: per-stage timings and an ETA)
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS planned_at timestamptz;
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS loading_at timestamptz;
ALTER TABLE ingest.chunk_ledger ADD COLUMN IF NOT EXISTS bytes bigint NOT NULL DEFAULT 0;
-- where a reject starts in the scanned source (with its line), to find it in any editor
ALTER TABLE ingest.rejects ADD COLUMN IF NOT EXISTS byte_offset bigint;

-- the last failed attempt of a chunk (a dead-lettered chunk's reason names it)
CREATE TABLE IF NOT EXISTS ingest.chunk_failures (
  job_id uuid NOT NULL REFERENCES ingest.jobs (id) ON DELETE CASCADE,
  chunk_index integer NOT NULL,
  attempts integer NOT NULL DEFAULT 1,
  last_code text,
  last_error text NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, chunk_index)
);

-- messages the broker gave up on, kept for inspection after their job was failed
CREATE TABLE IF NOT EXISTS ingest.dead_letters (
  id bigserial PRIMARY KEY,
  queue text NOT NULL,
  message_id text,
  job_id uuid,
  chunk_index integer,
  reason text NOT NULL,
  deliveries integer,
  body jsonb,
  dead_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (queue, message_id)
);
CREATE INDEX IF NOT EXISTS dead_letters_job_idx ON ingest.dead_letters (job_id);

-- loading modes: how rows reach the table (append, upsert by key, replace; atomic or not), the
-- plan the splitter chose, and the per-job work tables some plans need (schema ingest_work)
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS load_mode text NOT NULL DEFAULT 'append';
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS load_key text[];
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS atomic boolean NOT NULL DEFAULT false;
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS load_plan jsonb;
CREATE SCHEMA IF NOT EXISTS ingest_work;

-- dedupe=content: the tenant's earlier job for the same bytes into the same table
CREATE INDEX IF NOT EXISTS jobs_content_idx ON ingest.jobs (tenant, sha256, table_name);

-- an upload of declared length is stored as segment objects <object_key>/<n> of this size
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS segment_bytes bigint;
