-- 000002: storage housekeeping (the sweeper in the splitter, DELETE /v1/jobs/:id).

-- How long a job's objects are kept after it ends (STORAGE_RETENTION when it was created, so
-- every service and the job view agree on it), and when the sweeper or a delete removed them.
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS object_retention_seconds bigint NOT NULL
  DEFAULT 604800;
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS object_removed_at timestamptz;
-- ended jobs whose objects are still stored, oldest end first: what the retention sweep scans
CREATE INDEX IF NOT EXISTS jobs_objects_stored_idx ON ingest.jobs (completed_at)
  WHERE object_removed_at IS NULL AND completed_at IS NOT NULL;
-- which job owns an object (the orphan sweep asks for a page of keys at a time)
CREATE INDEX IF NOT EXISTS jobs_object_key_idx ON ingest.jobs (object_key);

-- The outbox: a splitter marks a job when it starts planning it; a `stored` job no splitter
-- ever picked up lost its message (a crash between insert and publish) and is republished,
-- at most once per grace period.
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS planning_started_at timestamptz;
ALTER TABLE ingest.jobs ADD COLUMN IF NOT EXISTS republished_at timestamptz;
CREATE INDEX IF NOT EXISTS jobs_unplanned_idx ON ingest.jobs (created_at)
  WHERE status = 'stored' AND planning_started_at IS NULL;

-- Objects being written (a gateway's upload, a splitter's derived object), recorded before the
-- first byte and renewed while the writer lives: a writer that died leaves an expired row, and
-- the sweeper aborts its multipart upload (by upload_id, once S3 gave one) and deletes what it
-- wrote unless a job owns the key.
CREATE TABLE IF NOT EXISTS ingest.uploads (
  id uuid PRIMARY KEY,
  object_key text NOT NULL,
  upload_id text,
  writer text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS uploads_expires_idx ON ingest.uploads (expires_at);
CREATE INDEX IF NOT EXISTS uploads_object_key_idx ON ingest.uploads (object_key);
