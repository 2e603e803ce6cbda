import type { MessagePublisher } from '@ingest/contracts';
import type { JobLifecycle } from '@ingest/jobs';
import { UPLOAD_PREFIX, type ObjectStore } from '@ingest/object-store';
import type { Pool } from '@ingest/postgres';
import { UploadRegistry } from './upload-registry';
import { sweepAbandonedUploads } from './sweeps/abandoned-upload-sweep';
import { sweepOrphans } from './sweeps/orphan-sweep';
import { sweepUnpickedJobs } from './sweeps/outbox-sweep';
import { sweepExpiredObjects } from './sweeps/retention-sweep';
import { sweepExpiredUploads } from './sweeps/expired-upload-sweep';
import type { SweepContext, SweepLogger } from './sweeps/sweep-context';

export interface SweeperOptions {
  /** Pause between passes of the retention, abandoned-upload and outbox sweeps. */
  intervalMs: number;
  /** Pause between two orphan sweeps (each lists the whole upload prefix). */
  orphanIntervalMs: number;
  /** Unowned objects younger than this are left alone. */
  orphanGraceMs: number;
  /** A `stored` job no splitter took for this long gets its message again. */
  republishAfterMs: number;
}

export interface SweeperDeps {
  pool: Pool;
  lifecycle: JobLifecycle;
  store: ObjectStore;
  publisher: MessagePublisher;
  logger: SweepLogger;
}

/**
 * Runs the storage and outbox sweeps on a timer. Every sweep claims its rows
 * with `FOR UPDATE SKIP LOCKED` (or, for orphans, deletes only what nobody
 * owns), so any number of replicas may run it at once. A failing sweep is
 * logged and tried again at the next pass; the others still run.
 */
export class Sweeper {
  private readonly ctx: SweepContext;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastOrphanSweep = 0;

  constructor(
    deps: SweeperDeps,
    private readonly options: SweeperOptions,
  ) {
    let abortNoted = false;
    this.ctx = {
      lifecycle: deps.lifecycle,
      store: deps.store,
      publisher: deps.publisher,
      uploads: new UploadRegistry(deps.pool),
      logger: deps.logger,
      noteAbortUnsupported: () => {
        if (abortNoted) return;
        abortNoted = true;
        deps.logger.warn(
          {},
          'object storage cannot list or abort multipart uploads: parts of abandoned uploads stay until a bucket lifecycle rule removes them; their objects are still deleted',
        );
      },
    };
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass of every sweep that is due (the timer calls it; tests may too). */
  async runOnce(): Promise<void> {
    const { ctx, options } = this;
    await this.guard('retention', () => sweepExpiredObjects(ctx));
    await this.guard('abandoned uploads', () => sweepAbandonedUploads(ctx));
    await this.guard('expired resumable uploads', () => sweepExpiredUploads(ctx));
    await this.guard('outbox', () => sweepUnpickedJobs(ctx, options.republishAfterMs));
    if (Date.now() - this.lastOrphanSweep >= options.orphanIntervalMs) {
      this.lastOrphanSweep = Date.now();
      await this.guard('orphans', () => sweepOrphans(ctx, UPLOAD_PREFIX, options.orphanGraceMs));
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        this.schedule(this.options.intervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async guard(name: string, sweep: () => Promise<number>): Promise<void> {
    try {
      await sweep();
    } catch (e) {
      this.ctx.logger.warn({ err: e, sweep: name }, 'sweep failed; trying again next pass');
    }
  }
}
