import { isUtf8 } from 'node:buffer';

/**
 * Checks that a run of bytes fed in pieces is valid UTF-8, with the native
 * `isUtf8` on each piece. An incomplete multi-byte sequence at a piece's end
 * (at most 3 bytes) is carried over to the next piece, so a character split
 * between pieces is not mistaken for an invalid one.
 */
export class Utf8Validator {
  private valid = true;
  private readonly carry = Buffer.alloc(4);
  private carryLength = 0;

  feed(bytes: Buffer): void {
    // Once invalid, the rest of the run cannot make it valid again: skip the work.
    if (!this.valid || bytes.length === 0) return;
    let from = 0;
    if (this.carryLength > 0) {
      const total = sequenceLength(this.carry[0] ?? 0);
      from = Math.min(total - this.carryLength, bytes.length);
      bytes.copy(this.carry, this.carryLength, 0, from);
      this.carryLength += from;
      if (this.carryLength < total) return;
      this.carryLength = 0;
      if (!isUtf8(this.carry.subarray(0, total))) {
        this.valid = false;
        return;
      }
    }
    const rest = bytes.subarray(from);
    const cut = rest.length - incompleteTail(rest);
    if (!isUtf8(rest.subarray(0, cut))) {
      this.valid = false;
      return;
    }
    this.carryLength = rest.copy(this.carry, 0, cut);
  }

  /** Ends the run: true when every byte was valid and no sequence was left unfinished. Resets. */
  end(): boolean {
    const valid = this.valid && this.carryLength === 0;
    this.valid = true;
    this.carryLength = 0;
    return valid;
  }
}

/** Length of the sequence a lead byte starts; 0 for ASCII, continuation and never-valid bytes. */
export function sequenceLength(lead: number): number {
  if (lead >= 0xc0 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf7) return 4;
  return 0;
}

/**
 * How many trailing bytes form the start of a multi-byte sequence cut short
 * (0–3). Whether they are a *valid* start is decided once the rest arrives.
 */
export function incompleteTail(bytes: Buffer): number {
  const n = bytes.length;
  for (let k = 1; k <= Math.min(3, n); k++) {
    const b = bytes[n - k] ?? 0;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back for its lead
    const length = sequenceLength(b);
    return length > k ? k : 0;
  }
  return 0;
}
