import { QUEUES, type JobStoredMessage, type MessagePublisher } from '@ingest/contracts';
import type { Logger } from '@ingest/config';

/** At most one nudge per job in this interval. */
const NUDGE_INTERVAL_MS = 2000;

/**
 * Tells the splitters that more of an upload is durable (a `job.stored`
 * message for a job still `receiving`), so its rows load while it arrives: a
 * splitter follows the upload from the first nudge on and needs another only
 * when it left a quiet upload, so one per job every 2 s is enough. Best
 * effort: after the last byte, `job.stored` plans whatever a lost nudge left.
 */
export class SplitterNudges {
  private readonly last = new Map<string, number>();

  constructor(private readonly deps: { publisher: MessagePublisher; logger: Logger }) {}

  nudge(jobId: string): void {
    const now = Date.now();
    const last = this.last.get(jobId);
    if (last !== undefined && now - last < NUDGE_INTERVAL_MS) return;
    this.last.set(jobId, now);
    const message: JobStoredMessage = { type: 'job.stored', version: 1, jobId };
    this.deps.publisher.publish(QUEUES.jobs, message).catch((e: unknown) => {
      this.deps.logger.warn({ err: e, jobId }, 'upload nudge not published');
    });
  }

  /** The job's next nudge goes at once (a new request of a resumable upload, or its end). */
  forget(jobId: string): void {
    this.last.delete(jobId);
  }
}
