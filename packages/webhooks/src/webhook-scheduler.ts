import type { Logger } from '@ingest/config';
import type { WebhookDeliveryRepository } from './webhook-delivery-repository';
import type { WebhookQueue } from './webhook-queue';

export interface WebhookSchedulerDeps {
  deliveries: Pick<WebhookDeliveryRepository, 'pendingOf' | 'due'>;
  queue: Pick<WebhookQueue, 'ensureScheduled'>;
  logger: Logger;
}

/** Due deliveries one sweep looks at; the next sweep takes the rest. */
const SWEEP_BATCH = 500;

/**
 * Keeps Redis in step with Postgres, the source of truth of every delivery's schedule:
 * queues new deliveries at their due time, and sweeps for pending deliveries that are due
 * but have no queued job (Redis restarted without persistence, a job that could not record
 * its attempt). Safe with any number of notifier replicas: the job id is the delivery id.
 */
export class WebhookScheduler {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(private readonly deps: WebhookSchedulerDeps) {}

  /** Queues the still-pending ones of these deliveries (just fanned out) at their due time. */
  async queue(ids: readonly string[]): Promise<void> {
    for (const d of await this.deps.deliveries.pendingOf(ids)) {
      await this.deps.queue.ensureScheduled(d.id, d.dueInMs);
    }
  }

  /**
   * Queues every due pending delivery that has no job; returns the ids this replica found
   * without one (another replica sweeping at the same moment may report the same ids, but
   * only one job is queued).
   */
  async sweep(): Promise<string[]> {
    const requeued: string[] = [];
    for (const d of await this.deps.deliveries.due(SWEEP_BATCH)) {
      if (await this.deps.queue.ensureScheduled(d.id, d.dueInMs)) requeued.push(d.id);
    }
    if (requeued.length > 0) {
      this.deps.logger.warn(
        { count: requeued.length, webhookIds: requeued.slice(0, 20) },
        'due webhook deliveries had no queued attempt (lost with Redis?): queued again from Postgres',
      );
    }
    return requeued;
  }

  /** Sweeps now, then every `intervalMs`, never two sweeps at once; a failed sweep is logged. */
  startSweeping(intervalMs: number): void {
    const tick = () => {
      this.sweeping = this.sweep()
        .catch((err: unknown) => this.deps.logger.warn({ err }, 'webhook sweep failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, intervalMs);
        });
    };
    tick();
  }

  /** Stops sweeping and waits for a sweep in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sweeping;
  }
}
