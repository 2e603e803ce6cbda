/**
 * Char-code readers over a string or a byte range of a Buffer, so the
 * regex-free scanners (date formats, ISO dates) serve both the string path
 * and the loader's byte path with one implementation. A byte is a char only
 * for ASCII, which is all those scanners accept.
 */
export interface CharSource {
  readonly length: number;
  code(i: number): number;
  text(start: number, end: number): string;
}

/** Reusable: one instance per scanner, pointed at each value in turn. */
export class StringSource implements CharSource {
  private v = '';
  of(v: string): this {
    this.v = v;
    return this;
  }
  get length(): number {
    return this.v.length;
  }
  code(i: number): number {
    return this.v.charCodeAt(i);
  }
  text(start: number, end: number): string {
    return this.v.slice(start, end);
  }
}

/** Reusable like StringSource: reading a cell allocates nothing. */
export class ByteSource implements CharSource {
  private buf: Buffer = Buffer.alloc(0);
  private start = 0;
  length = 0;
  at(buf: Buffer, start: number, end: number): this {
    this.buf = buf;
    this.start = start;
    this.length = end - start;
    return this;
  }
  code(i: number): number {
    // Past the end reads as NaN, like charCodeAt.
    return i < this.length ? (this.buf[this.start + i] as number) : NaN;
  }
  text(start: number, end: number): string {
    return this.buf.toString('latin1', this.start + start, this.start + end);
  }
}
