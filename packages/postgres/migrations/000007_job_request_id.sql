-- 000006: the X-Request-Id of the upload that created a job, so the splitter's and the loaders'
-- log lines about the job can name the request (the gateway's access log has the same id).
ALTER TABLE ingest.jobs ADD COLUMN request_id text;
