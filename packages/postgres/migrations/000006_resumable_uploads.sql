-- 000005: resumable (tus) uploads. The job exists from the upload's creation (status
-- `receiving`); this row holds where its bytes stand, so any gateway can continue it.

CREATE TABLE ingest.resumable_uploads (
  job_id uuid PRIMARY KEY REFERENCES ingest.jobs (id) ON DELETE CASCADE,
  tenant text NOT NULL,
  -- Upload-Length: the bytes the upload will have
  length bigint NOT NULL CHECK (length > 0),
  -- Upload-Offset: bytes durably stored (full segments plus the partial tail object)
  upload_offset bigint NOT NULL DEFAULT 0 CHECK (upload_offset BETWEEN 0 AND length),
  -- bytes of the last, incomplete segment kept in <object_key>/partial until it fills up
  tail_bytes bigint NOT NULL DEFAULT 0 CHECK (tail_bytes >= 0),
  segment_bytes bigint NOT NULL CHECK (segment_bytes > 0),
  -- the Upload-Metadata as the client sent it (decoded)
  metadata jsonb NOT NULL DEFAULT '{}',
  -- dedupe=content: judged when the last byte is stored
  dedupe_content boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- after this an unfinished upload is abandoned: the sweep fails its job (UPLOAD_EXPIRED)
  expires_at timestamptz NOT NULL,
  finished_at timestamptz
);

CREATE INDEX resumable_uploads_expiry_idx ON ingest.resumable_uploads (expires_at)
  WHERE finished_at IS NULL;
