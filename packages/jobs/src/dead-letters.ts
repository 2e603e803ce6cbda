import { chunkTaskSchema, jobStoredSchema } from '@ingest/contracts';
import type { DeadMessage } from '@ingest/contracts';
import type { FailureRecords } from './failure-records';
import type { JobRecord } from './job-record';

/** What settling a dead letter needs of the lifecycle. */
export interface DeadLetterDeps {
  get(jobId: string): Promise<JobRecord | null>;
  fail(jobId: string, code: string, message: string): Promise<void>;
  failures: FailureRecords;
}

/** Why a dead chunk task died, in words a user can act on. */
function chunkReason(
  message: DeadMessage,
  chunk: { index: number; start: number; end: number },
  lastError: string | null,
): string {
  const where = `chunk ${chunk.index} (bytes ${chunk.start}-${chunk.end})`;
  const times = message.deliveries === null ? '' : ` after ${message.deliveries} deliveries`;
  const cause =
    lastError === null
      ? 'its loader stopped (crashed or was killed) while loading it every time'
      : `last error: ${lastError}`;
  return `${where} was dead-lettered${times} (${message.reason}); ${cause}`;
}

/**
 * Settles one dead-lettered message: keeps it in `ingest.dead_letters` and
 * fails its job if the job is still live (MESSAGE_DEAD_LETTERED), naming the
 * chunk and its last recorded error. A job whose loader already failed it
 * keeps its own reason. Idempotent: a redelivered dead letter changes nothing.
 */
export async function settleDeadLetter(deps: DeadLetterDeps, message: DeadMessage): Promise<void> {
  const { failures } = deps;
  const chunk = chunkTaskSchema.safeParse(message.body);
  const stored = jobStoredSchema.safeParse(message.body);
  const jobId = chunk.success ? chunk.data.jobId : stored.success ? stored.data.jobId : null;
  const job = jobId === null ? null : await deps.get(jobId);
  await failures.recordDeadLetter({
    queue: message.queue,
    messageId: message.messageId,
    jobId: job?.id ?? null,
    chunkIndex: chunk.success ? chunk.data.chunkIndex : null,
    reason: message.reason,
    deliveries: message.deliveries,
    body: message.body,
  });
  if (job === null) return;
  if (chunk.success) {
    const task = chunk.data;
    const failure = await failures.chunkFailure(task.jobId, task.chunkIndex);
    const reason = chunkReason(
      message,
      { index: task.chunkIndex, ...task.range },
      failure?.lastError ?? null,
    );
    await deps.fail(job.id, 'MESSAGE_DEAD_LETTERED', reason);
  } else {
    const times = message.deliveries === null ? '' : ` after ${message.deliveries} deliveries`;
    await deps.fail(
      job.id,
      'MESSAGE_DEAD_LETTERED',
      `the job's planning message was dead-lettered${times} (${message.reason})`,
    );
  }
}
