import type { JobView } from '@ingest/contracts';
import { PassThrough } from 'node:stream';
import { LineProgress } from './progress-reporter';

const jobAt = (done: number, total: number | null, loaded: number): JobView =>
  ({
    chunks: { done, total },
    rows: { loaded, rejected: 0 },
    progress: { bytes_done: 0, eta_seconds: null },
  }) as JobView;

describe('LineProgress (stderr is not a terminal)', () => {
  const setUp = () => {
    let now = 0;
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const progress = new LineProgress(out, 1000, () => now);
    return { progress, lines: () => text.trimEnd().split('\n'), tick: (ms: number) => (now += ms) };
  };

  it('prints at most one upload line per interval, and always the last one', () => {
    const { progress, lines, tick } = setUp();
    for (let sent = 0; sent < 1000; sent += 100) {
      progress.upload(sent, 1000);
      tick(300);
    }
    progress.upload(1000, 1000);
    progress.stop();
    const printed = lines();
    expect(printed.length).toBeLessThanOrEqual(5);
    expect(printed[0]).toMatch(/^upload 0% 0 B \/ 1000 B/);
    expect(printed[printed.length - 1]).toMatch(/^upload 100% 1000 B \/ 1000 B +\S+ B\/s +ETA 0s$/);
  });

  it('prints load lines only when they change, planning first', () => {
    const { progress, lines, tick } = setUp();
    progress.load(jobAt(0, null, 0));
    tick(2000);
    progress.load(jobAt(0, null, 0));
    tick(2000);
    progress.load(jobAt(1, 2, 500));
    tick(100);
    progress.load(jobAt(2, 2, 1000)); // within the interval: printed at stop
    progress.stop();
    expect(lines()).toEqual([
      'load 0% planning, 0 rows loaded, 0 rejected, ETA ?',
      'load 50% 1/2 chunks, 500 rows loaded, 0 rejected, ETA ?',
      'load 100% 2/2 chunks, 1,000 rows loaded, 0 rejected, ETA ?',
    ]);
  });
});
