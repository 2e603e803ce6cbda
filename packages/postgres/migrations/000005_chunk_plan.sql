-- 000005: a job's plan is recorded in Postgres and chunk tasks are dispatched from it.
-- The splitter records each chunk as its end is known and how far the scan got, so planning
-- that failed resumes at the last recorded boundary instead of byte 0. A dispatcher publishes
-- the recorded chunks a few per job at a time (fair share across tenants and jobs); a chunk
-- is in flight from its dispatch until its ledger row commits.

-- One row per job being (or done being) planned: what every chunk task of it carries, and
-- the scan's progress (the end of the last recorded chunk, and what was counted up to there).
CREATE TABLE ingest.job_plans (
  job_id uuid PRIMARY KEY REFERENCES ingest.jobs (id) ON DELETE CASCADE,
  tenant text NOT NULL,
  -- the object the chunks cut (the upload, or its plain UTF-8 rewrite)
  source_key text NOT NULL,
  -- the job-level fields of every chunk task (dialect, table, columns, schema, header, load …)
  task jsonb NOT NULL,
  header_raw bytea,
  next_offset bigint NOT NULL DEFAULT 0,
  next_line bigint NOT NULL DEFAULT 1,
  chunks_planned integer NOT NULL DEFAULT 0,
  records_planned bigint NOT NULL DEFAULT 0,
  -- chunks whose task was published: always the first ones, in index order
  chunks_dispatched integer NOT NULL DEFAULT 0,
  -- bytes the scans read, summed over every attempt (a resumed scan reads on from next_offset)
  bytes_read bigint NOT NULL DEFAULT 0,
  -- scans begun (1 + resumptions), and the offset the latest one began at
  scans integer NOT NULL DEFAULT 0,
  last_scan_from bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ingest.chunk_plan (
  job_id uuid NOT NULL REFERENCES ingest.jobs (id) ON DELETE CASCADE,
  chunk_index integer NOT NULL,
  byte_start bigint NOT NULL,
  byte_end bigint NOT NULL,
  first_line bigint NOT NULL,
  records bigint NOT NULL,
  invalid_utf8 boolean NOT NULL DEFAULT false,
  planned_at timestamptz NOT NULL DEFAULT now(),
  -- first publish of its task (a republish after a crash keeps it)
  dispatched_at timestamptz,
  PRIMARY KEY (job_id, chunk_index)
);
-- The dispatcher's question: the next undispatched chunks of a job, in order.
CREATE INDEX chunk_plan_waiting_idx ON ingest.chunk_plan (job_id, chunk_index)
  WHERE dispatched_at IS NULL;

-- Every ledger insert wakes the dispatchers (LISTEN ingest_chunk_committed): a committed chunk
-- frees a place in its job's window. One notification per transaction (identical ones merge),
-- sent at commit, never for a rolled-back load.
CREATE FUNCTION ingest.notify_chunk_committed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('ingest_chunk_committed', '');
  RETURN NULL;
END $$;
CREATE TRIGGER chunk_ledger_notify AFTER INSERT ON ingest.chunk_ledger
  FOR EACH STATEMENT EXECUTE FUNCTION ingest.notify_chunk_committed();
