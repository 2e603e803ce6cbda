import type { Pool, PoolClient } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SessionLock } from './session-lock';

/**
 * Session advisory locks of one kind (`keySql`, an SQL expression of `$1`), all
 * held on one connection of the process. A lock per connection (holdSessionLock)
 * pins a pool connection for as long as it is held: a gateway receiving ten long
 * uploads at once had none left for their own queries, and every request of the
 * gateway waited for a connection until it failed. Here the locks cost one
 * connection, however many are held.
 *
 * A session's advisory locks are re-entrant, so requests of this process exclude
 * each other in memory (`held`); other processes through the lock itself. When
 * the connection breaks, its locks are gone, as with a connection of their own;
 * the next lock opens a new one. With no lock held the connection goes back to
 * the pool, so an idle process (or one shutting down) keeps none.
 */
export class SharedLockSession {
  private readonly held = new Set<string>();
  private current: Session | undefined;
  private connecting: Promise<Session> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly keySql: string,
  ) {}

  /**
   * Holds the lock of `id` until release(); while another request or process holds it,
   * tries again every `pollMs` until `giveUp()` says so (then null).
   */
  async hold(
    id: string,
    options: { pollMs: number; giveUp: () => boolean },
  ): Promise<SessionLock | null> {
    for (let retried = false; ;) {
      if (!this.held.has(id)) {
        this.held.add(id);
        let session: Session | undefined;
        const reused = this.current !== undefined;
        try {
          session = await this.connection();
          const locked = await inTurn(session, `SELECT pg_try_advisory_lock(${this.keySql})`, id);
          if (locked) return this.lockOf(id, session);
        } catch (e) {
          if (session) this.giveBack(session, e);
          this.forget(id);
          // A connection that died while idle is only noticed now: once more on a new one.
          if (!reused || retried) throw e;
          retried = true;
          continue;
        }
        this.forget(id);
      }
      if (options.giveUp()) return null;
      await sleep(options.pollMs);
    }
  }

  private lockOf(id: string, session: Session): SessionLock {
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        try {
          // A connection that broke meanwhile has dropped the lock already.
          if (this.current === session) {
            await inTurn(session, `SELECT pg_advisory_unlock(${this.keySql})`, id);
          }
        } catch (e) {
          this.giveBack(session, e);
        } finally {
          this.forget(id);
        }
      },
    };
  }

  /** No request of this process works on `id` any more; with none left, the connection goes back. */
  private forget(id: string): void {
    this.held.delete(id);
    if (this.held.size === 0 && this.current) this.giveBack(this.current);
  }

  private async connection(): Promise<Session> {
    if (this.current) return this.current;
    this.connecting ??= this.pool.connect().then(
      (client) => {
        const session: Session = {
          client,
          onError: (e) => this.giveBack(session, e),
          turn: Promise.resolve(),
        };
        // A checked-out client's error would otherwise be unhandled.
        client.on('error', session.onError);
        this.current = session;
        this.connecting = undefined;
        return session;
      },
      (e: unknown) => {
        this.connecting = undefined;
        throw e;
      },
    );
    return this.connecting;
  }

  /** Returns the connection to the pool; one that failed (`error`) is closed instead. */
  private giveBack(session: Session, error?: unknown): void {
    if (this.current !== session) return;
    this.current = undefined;
    session.client.off('error', session.onError);
    session.client.release(error === undefined ? undefined : error instanceof Error ? error : true);
  }
}

interface Session {
  client: PoolClient;
  onError: (e: Error) => void;
  /** The last query sent: one at a time on the connection (pg@9 refuses overlapping ones). */
  turn: Promise<unknown>;
}

/** Runs `sql` (one boolean of `$1`) after the session's previous query; its answer. */
function inTurn(session: Session, sql: string, id: string): Promise<boolean> {
  const answer = session.turn.then(() =>
    session.client.query<{ ok: boolean }>(`${sql} AS ok`, [id]),
  );
  session.turn = answer.catch(() => undefined);
  return answer.then((r) => r.rows[0]?.ok === true);
}
