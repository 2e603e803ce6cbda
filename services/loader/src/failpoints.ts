/**
 * Fault injection at the loader's critical moments, so crash tests can kill a
 * real loader process exactly there (LOADER_FAILPOINTS; empty in production,
 * where every point is a no-op). `point[@chunk]=action`, comma-separated:
 *
 *   before-copy    the ledger row is claimed, no row sent yet
 *   mid-copy       part of the chunk's rows is on the wire, the transaction open
 *   after-commit   the chunk is committed, its message not yet acknowledged
 *
 *   kill           SIGKILL this process (what a crash or the OOM killer does)
 *   error:<code>   fail the attempt with that SQLSTATE, as the database would
 *   delay:<ms>     wait, so another chunk overtakes this one (ordering tests)
 *
 * `@chunk` limits a point to one chunk index, e.g. `mid-copy@2=kill`.
 */
export const FAILPOINT_NAMES = ['before-copy', 'mid-copy', 'after-commit'] as const;
export type FailpointName = (typeof FAILPOINT_NAMES)[number];

type Action = { kind: 'kill' } | { kind: 'error'; code: string } | { kind: 'delay'; ms: number };

interface Failpoint {
  name: FailpointName;
  chunk: number | null;
  action: Action;
}

export class Failpoints {
  private constructor(private readonly points: readonly Failpoint[]) {}

  static readonly none = new Failpoints([]);

  /** Parses LOADER_FAILPOINTS; throws naming the entry it cannot read. */
  static parse(spec: string): Failpoints {
    const points = spec
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((entry): Failpoint => {
        const m = /^([a-z-]+)(?:@(\d+))?=(kill|error:[0-9A-Z]{5}|delay:\d{1,6})$/.exec(entry);
        const name = m?.[1] as FailpointName | undefined;
        if (!m || name === undefined || !FAILPOINT_NAMES.includes(name)) {
          throw new Error(
            `LOADER_FAILPOINTS: cannot read "${entry}" (point[@chunk]=kill|error:<SQLSTATE>|delay:<ms>, points ${FAILPOINT_NAMES.join(', ')})`,
          );
        }
        const action = m[3] ?? 'kill';
        return {
          name,
          chunk: m[2] === undefined ? null : Number(m[2]),
          action:
            action === 'kill'
              ? { kind: 'kill' }
              : action.startsWith('delay:')
                ? { kind: 'delay', ms: Number(action.slice(6)) }
                : { kind: 'error', code: action.slice(6) },
        };
      });
    return points.length === 0 ? Failpoints.none : new Failpoints(points);
  }

  get armed(): boolean {
    return this.points.length > 0;
  }

  /** Is `name` armed for this chunk? (Lets callers skip wrapping streams when not.) */
  has(name: FailpointName, chunk: number): boolean {
    return this.points.some((p) => p.name === name && (p.chunk === null || p.chunk === chunk));
  }

  /** Runs the point's action, if it is armed for this chunk. */
  async hit(name: FailpointName, chunk: number): Promise<void> {
    const point = this.points.find(
      (p) => p.name === name && (p.chunk === null || p.chunk === chunk),
    );
    if (point === undefined) return;
    switch (point.action.kind) {
      case 'kill':
        process.kill(process.pid, 'SIGKILL');
        return;
      case 'delay': {
        const { ms } = point.action;
        await new Promise((resolve) => setTimeout(resolve, ms));
        return;
      }
      case 'error': {
        const error = new Error(`failpoint ${name}: injected SQLSTATE ${point.action.code}`);
        throw Object.assign(error, { code: point.action.code });
      }
    }
  }
}
