import { createRequire } from 'node:module';

interface Fadvise {
  posix_fadvise(fd: number, offset: number, length: number, advice: number): number;
  POSIX_FADV_DONTNEED: number;
  failed_to_load?: boolean;
}

let binding: Fadvise | null | undefined;

/**
 * posix_fadvise(2) through the `fadvise` addon (Node has no binding of its own). Null where
 * it is not built (no compiler at install, another OS): the advice is then skipped, which
 * only leaves pages cached longer.
 */
function fadvise(): Fadvise | null {
  if (binding !== undefined) return binding;
  try {
    const loaded = createRequire(__filename)('fadvise') as Fadvise;
    binding = loaded.failed_to_load === true ? null : loaded;
  } catch {
    binding = null;
  }
  return binding;
}

/** Whether `dropFromPageCache` can act on this machine. */
export const canDropFromPageCache = (): boolean => fadvise() !== null;

/**
 * Lets the kernel drop `[start, end)` of an open file from the page cache
 * (POSIX_FADV_DONTNEED): clean pages go back to the free list at once. Only pages (folios, which
 * may be larger) wholly inside the range go; dirty ones stay (the store fsyncs every object
 * before it is read). Advice only: failures are ignored, the data stays on disk either way.
 */
export function dropFromPageCache(fd: number, start: number, end: number): void {
  const f = fadvise();
  if (f === null || end <= start) return;
  f.posix_fadvise(fd, start, end - start, f.POSIX_FADV_DONTNEED);
}
