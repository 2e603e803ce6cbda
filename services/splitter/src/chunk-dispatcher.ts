import type { Logger } from '@ingest/config';
import type { MessagePublisher } from '@ingest/contracts';
import { dispatchChunks, type DispatchLimits, type DispatchRound } from '@ingest/jobs';
import type { Pool, PoolClient } from '@ingest/postgres';

/** The channel the chunk ledger's trigger notifies on every commit (migration 000005_chunk_plan). */
const COMMITTED_CHANNEL = 'ingest_chunk_committed';

export interface ChunkDispatcherOptions {
  limits: DispatchLimits;
  /** A round also runs this often unprompted (a notification lost while reconnecting). */
  pollMs: number;
  /** Told what each committed round did and left waiting (the metrics). */
  onRound?: (round: DispatchRound) => void;
}

/**
 * Runs dispatch rounds (`dispatchChunks`) whenever a place may have freed or a
 * chunk was recorded: on a chunk commit anywhere (LISTEN on the ledger's
 * channel), when this splitter records chunks (`wake`), and every `pollMs`.
 * Wake-ups during a round are merged into one more round after it.
 */
export class ChunkDispatcher {
  private listener: PoolClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(
    private readonly deps: { pool: Pool; publisher: MessagePublisher; logger: Logger },
    private readonly options: ChunkDispatcherOptions,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.listen();
    if (this.stopped) return;
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.wake();
  }

  /** Asks for a round soon; never throws (a failed round is logged and retried by the poll). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    const listener = this.listener;
    this.listener = undefined;
    if (listener) {
      await listener.query(`UNLISTEN ${COMMITTED_CHANNEL}`).catch(() => undefined);
      listener.release();
    }
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        const round = await dispatchChunks(
          this.deps.pool,
          this.deps.publisher,
          this.options.limits,
        );
        this.options.onRound?.(round);
      } catch (e) {
        this.deps.logger.warn({ err: e }, 'dispatch round failed; retrying on the next wake-up');
        return;
      }
    } while (this.again && !this.stopped);
  }

  /**
   * One connection held for LISTEN; when it breaks, the poll covers until it is back.
   * A connection whose LISTEN fails (a standby answering for a moment after a failover) goes
   * back to the pool: kept, it would hold the pool's end for ever.
   */
  private async listen(): Promise<void> {
    let client: PoolClient | undefined;
    try {
      client = await this.deps.pool.connect();
      const held = client;
      held.on('notification', () => this.wake());
      held.on('error', () => {
        if (this.listener !== held) return;
        this.listener = undefined;
        held.release(true);
        setTimeout(() => {
          if (!this.stopped) void this.listen();
        }, this.options.pollMs);
      });
      await held.query(`LISTEN ${COMMITTED_CHANNEL}`);
      if (this.stopped) {
        // Stopped while this LISTEN was on its way: stop() found nothing to let go.
        held.release(true);
        return;
      }
      this.listener = held;
    } catch (e) {
      client?.release(true);
      this.deps.logger.warn({ err: e }, 'cannot listen for chunk commits; polling only for now');
      setTimeout(() => {
        if (!this.stopped) void this.listen();
      }, this.options.pollMs);
    }
  }
}
