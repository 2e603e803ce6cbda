import { errors } from '@ingest/errors';

/**
 * The bytes of tus segment buffers this gateway may hold at once
 * (GATEWAY_TUS_BUFFER_BYTES). A tus request keeps a whole segment in memory,
 * two while one is flushed; the per-key upload limit bounds one tenant, but
 * not a shared gateway's sum over many tenants, which this does.
 *
 * Every request that carries bytes holds one segment from its route
 * (`holdSegmentMemory`) for its whole length, and so always progresses; the
 * data store takes a second one only while another request could still start
 * after it (`tryTakeSpare`), otherwise it waits for its flush instead.
 */
export class SegmentMemory {
  private used = 0;

  constructor(
    readonly capacityBytes: number,
    readonly segmentBytes: number,
    /** Shows the bytes held (ingest_gateway_tus_buffer_bytes). */
    private readonly gauge?: { set(value: number): void },
  ) {}

  get usedBytes(): number {
    return this.used;
  }

  /** One segment for a request about to send bytes; false when the budget is spent. */
  tryTakeSegment(): boolean {
    return this.tryTake(this.segmentBytes, 0);
  }

  /** A request's second buffer, left to another request's first when it would be the last. */
  tryTakeSpare(): boolean {
    return this.tryTake(this.segmentBytes, this.segmentBytes);
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
    this.gauge?.set(this.used);
  }

  private tryTake(bytes: number, leaveFree: number): boolean {
    if (this.used + bytes + leaveFree > this.capacityBytes) return false;
    this.used += bytes;
    this.gauge?.set(this.used);
    return true;
  }
}

/** The second buffer of one request: taken at most once, given back when the request ends. */
export class SpareSegment {
  private held = false;

  constructor(private readonly memory: SegmentMemory) {}

  /** True once, when the buffer may be allocated; never a third buffer. */
  take(): boolean {
    if (this.held) return false;
    this.held = this.memory.tryTakeSpare();
    return this.held;
  }

  giveBack(): void {
    if (this.held) this.memory.give(this.memory.segmentBytes);
    this.held = false;
  }
}

/**
 * Takes one segment of the gateway's tus memory for a request about to send bytes, or throws
 * 503 UPLOADS_BUSY (before any byte is read, so the offset stays). The caller gives it back
 * once the request's handling has ended, its buffer with it (twice is harmless).
 */
export function holdSegmentMemory(memory: SegmentMemory): () => void {
  if (!memory.tryTakeSegment()) throw errors.uploadsBusy(memory.capacityBytes);
  let held = true;
  return () => {
    if (held) memory.give(memory.segmentBytes);
    held = false;
  };
}
