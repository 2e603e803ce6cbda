-- 000003: a webhook delivery's retry schedule lives in Postgres, not only in Redis.
-- BullMQ's delayed job is a cache of `next_attempt_at`: the notifier's sweeper re-queues a due
-- pending delivery whose job was lost (a Redis restart without persistence), so no retry is lost.

ALTER TABLE ingest.webhook_deliveries
  -- when the next scheduled attempt is due; NULL once the delivery is delivered or failed
  ADD COLUMN next_attempt_at timestamptz,
  -- attempts made by the schedule (not by hand): the position in NOTIFIER_SCHEDULE_MS
  ADD COLUMN scheduled_attempts integer NOT NULL DEFAULT 0,
  -- why a failed delivery can no longer be sent (the schedule ran out, the endpoint was deleted …)
  ADD COLUMN failure_reason text;

-- Deliveries recorded before this file: their place in the schedule from their attempts, the
-- pending ones due at once (their queued retry may be gone), the failed ones with their last error.
UPDATE ingest.webhook_deliveries d
   SET scheduled_attempts = (SELECT count(*) FROM ingest.webhook_attempts a
                             WHERE a.delivery_id = d.id AND NOT a.manual),
       next_attempt_at = CASE WHEN d.status = 'pending' THEN now() END,
       failure_reason = CASE WHEN d.status = 'failed' THEN
         (SELECT a.error FROM ingest.webhook_attempts a WHERE a.delivery_id = d.id
          ORDER BY a.number DESC LIMIT 1) END;

-- The sweeper's question: which pending deliveries are due?
CREATE INDEX webhook_deliveries_due_idx
  ON ingest.webhook_deliveries (next_attempt_at) WHERE status = 'pending';
