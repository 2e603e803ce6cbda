import { readStoredFile, type ObjectStore, type StoredFile } from '@ingest/object-store';
import { buffer } from 'node:stream/consumers';

/** Bytes read from the head, and from a few places further in, for sniffing. */
export interface ObjectSamples {
  head: Buffer;
  /** Head first, then pieces from the middle and the tail (these start mid-record). */
  all: Buffer[];
  /** The last sample ends the file (false for the stored prefix of an upload still arriving). */
  endsFile: boolean;
}

/** Each sample's size: the head's 64 KiB decide the dialect, encoding and inferred types. */
export const SAMPLE_BYTES = 64 * 1024;

/**
 * Reads a sample at the head, the middle and the tail of an object. A sniffer
 * that only saw the head would miss a file whose first lines are unlike the rest.
 */
export async function readSamples(
  store: ObjectStore,
  file: StoredFile,
  size: number,
  options: { sampleBytes?: number; endsFile?: boolean } = {},
): Promise<ObjectSamples> {
  const sampleBytes = options.sampleBytes ?? SAMPLE_BYTES;
  const read = async (start: number, end: number) =>
    buffer(await readStoredFile(store, file, { start, end }));
  const head = await read(0, Math.min(size, sampleBytes));
  const all = [head];
  if (size > 3 * sampleBytes) {
    const middle = Math.floor(size / 2);
    all.push(await read(middle, middle + sampleBytes));
    all.push(await read(size - sampleBytes, size));
  }
  return { head, all, endsFile: options.endsFile ?? true };
}
