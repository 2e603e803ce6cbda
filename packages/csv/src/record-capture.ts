/**
 * Collects the bytes of one record that may span several pieces. The caller
 * bounds the total (maxRecordBytes), so memory stays bounded; pieces are
 * copied because a stream may reuse its buffers after `push` returns.
 */
export class RecordCapture {
  private parts: Buffer[] = [];

  append(bytes: Buffer): void {
    if (bytes.length > 0) this.parts.push(Buffer.from(bytes));
  }

  reset(): void {
    this.parts = [];
  }

  /** The record's first `length` bytes: earlier parts plus `tail` (a trailing terminator byte is cut off). */
  take(tail: Buffer, length: number): Buffer {
    const all = Buffer.concat([...this.parts, tail]);
    this.parts = [];
    return all.subarray(0, length);
  }
}
