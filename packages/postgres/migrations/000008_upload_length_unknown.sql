-- 000008: an upload whose length is not announced (a multipart form's file part, a raw PUT
-- sent chunked) loads while it arrives too: its length is null until the last byte is stored.
ALTER TABLE ingest.resumable_uploads ALTER COLUMN length DROP NOT NULL;
