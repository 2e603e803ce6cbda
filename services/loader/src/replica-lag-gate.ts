import type { Logger } from '@ingest/config';
import type { IngestMetrics } from '@ingest/metrics';
import type { Queryable } from '@ingest/postgres';

export interface ReplicaLagGateOptions {
  /** Replay lag above which no chunk starts; 0 turns the gate off. */
  maxLagMs: number;
  /** How often the lag is read from the leader. */
  checkIntervalMs: number;
}

/**
 * Holds chunks back while the database's replicas fall behind: when the largest replay lag
 * the leader reports (`pg_stat_replication.replay_lag`) is over the bound, a chunk about to
 * load waits here before its COPY, so loaders stop adding WAL and open no more connections
 * until the replicas catch up. It opens again once the lag is below half the bound (one
 * check just under the bound would otherwise flap). Without replicas the view is empty and
 * the gate stays open. The messages held wait unacknowledged within the loader's prefetch,
 * so no new chunks are taken meanwhile.
 */
export class ReplicaLagGate {
  private timer: NodeJS.Timeout | undefined;
  private pausedAt: number | null = null;
  private waiters: (() => void)[] = [];
  private stopped = true;
  private lastError: string | null = null;

  constructor(
    private readonly deps: { db: Queryable; logger: Logger; metrics: IngestMetrics },
    private readonly options: ReplicaLagGateOptions,
  ) {}

  get paused(): boolean {
    return this.pausedAt !== null;
  }

  /** Reads the lag once now, then every checkIntervalMs (off when maxLagMs is 0). */
  async start(): Promise<void> {
    if (this.options.maxLagMs <= 0) return;
    this.stopped = false;
    await this.check();
    this.schedule();
  }

  /** Resolves at once while open; while paused, when the lag has recovered (or on stop). */
  passage(): Promise<void> {
    if (this.pausedAt === null) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops checking and lets the held chunks go on: stopping drains them like any in flight. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.open();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.check().finally(() => this.schedule());
    }, this.options.checkIntervalMs);
  }

  private async check(): Promise<void> {
    let lagMs: number;
    try {
      const { rows } = await this.deps.db.query<{ lag_ms: number; replicas: number }>(
        // A replica that has replayed all it was sent has no lag, whatever replay_lag still
        // shows (it keeps its last sample until the replica reports twice in a row).
        `SELECT coalesce(max(CASE WHEN replay_lsn >= sent_lsn THEN 0
                                  ELSE extract(epoch FROM replay_lag) END), 0)::float8 * 1000 AS lag_ms,
                count(*)::int AS replicas
         FROM pg_stat_replication`,
      );
      lagMs = rows[0]?.lag_ms ?? 0;
      this.lastError = null;
    } catch (e) {
      // The gate keeps its state: a database that cannot answer fails the loads themselves.
      const message = e instanceof Error ? e.message : String(e);
      if (message !== this.lastError) {
        this.deps.logger.warn({ err: e }, 'cannot read replica lag; the gate keeps its state');
      }
      this.lastError = message;
      return;
    }
    if (this.stopped) return;
    const { maxLagMs } = this.options;
    this.deps.metrics.replicaLagSeconds.set(lagMs / 1000);
    if (this.pausedAt === null && lagMs > maxLagMs) {
      this.pausedAt = Date.now();
      this.deps.metrics.loaderPaused.set(1);
      this.deps.metrics.loaderPauses.inc();
      this.deps.logger.warn(
        { lagMs: Math.round(lagMs), maxLagMs },
        'replica lag over the bound; starting no chunk until it recovers',
      );
    } else if (this.pausedAt !== null && lagMs <= maxLagMs / 2) {
      this.deps.logger.info(
        { lagMs: Math.round(lagMs), maxLagMs, pausedMs: Date.now() - this.pausedAt },
        'replica lag recovered; loading again',
      );
      this.open();
    }
  }

  private open(): void {
    this.pausedAt = null;
    this.deps.metrics.loaderPaused.set(0);
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
