/**
 * The Buffer COPY rows are written into: grown for a row larger than it,
 * handed out in ~`flushBytes` slices of complete rows (one write per record
 * measured 4 MB/s: rows are coalesced), and able to forget a row half-written,
 * so a record rejected midway leaves no trace.
 */
export class RowBuffer {
  protected buf: Buffer;
  protected pos = 0;
  private rowStart = 0;

  constructor(private readonly flushBytes: number) {
    this.buf = Buffer.allocUnsafe(flushBytes + 64 * 1024);
  }

  /** Forgets everything written since the current row began. */
  discardRow(): void {
    this.pos = this.rowStart;
  }

  /** The rows written so far once they reach `flushBytes`, else null. */
  takeFull(): Buffer | null {
    return this.rowStart >= this.flushBytes ? this.take() : null;
  }

  /** Every complete row written so far, or null when there is none. */
  takeRest(): Buffer | null {
    return this.rowStart > 0 ? this.take() : null;
  }

  /** The current row is complete. */
  protected rowEnded(): void {
    this.rowStart = this.pos;
  }

  /** Room for `n` more bytes at `pos`. */
  protected ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private take(): Buffer {
    const done = this.buf.subarray(0, this.rowStart);
    const open = this.pos - this.rowStart;
    const next = Buffer.allocUnsafe(Math.max(this.flushBytes + 64 * 1024, open * 2));
    this.buf.copy(next, 0, this.rowStart, this.pos);
    this.buf = next;
    this.pos = open;
    this.rowStart = 0;
    return done;
  }
}
