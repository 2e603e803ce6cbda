import { errors } from '@ingest/errors';
import { randomBytes } from 'node:crypto';
import { constants, type Dirent } from 'node:fs';
import {
  access,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
  type FileHandle,
} from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { Readable, addAbortSignal } from 'node:stream';
import { chunksAsPushed } from './chunks-as-pushed';
import { dropFromPageCache } from './page-cache';
import type {
  ListedObject,
  ObjectUpload,
  OwnedObjectStore,
  PendingMultipartUpload,
  PutOptions,
  ReadOptions,
  StoredObject,
  UploadOptions,
} from './object-store';

export interface FsObjectStoreOptions {
  /** Absolute path of the directory holding the objects; created by `prepare()`. */
  root: string;
  /** Bytes per chunk of a read stream. Default 256 KiB. */
  readChunkBytes?: number;
}

/**
 * Key layout on disk. A key `a/b/c` is the file `<root>/a/b/c=o`: every `/`-separated
 * segment is percent-encoded (`encodeURIComponent`, plus a leading `.`), so no segment
 * can be `.` or `..`, start with a dot or contain `=`; the object file ends in `=o`,
 * which no directory name does. So the object `k` and the objects `k/000000…` (a
 * segmented upload) coexist as the file `k=o` and the directory `k/`. An empty segment
 * (`a//b`) is the directory `=`. Files starting with a dot are writes in progress:
 * `.<uploadId>.<object file name>`, in the object's own directory.
 */
const OBJECT_SUFFIX = '=o';
const EMPTY_SEGMENT = '=';
const PAGE = 1000;

const encodeSegment = (s: string): string =>
  s === '' ? EMPTY_SEGMENT : encodeURIComponent(s).replace(/^\./, '%2E');
const decodeSegment = (s: string): string => (s === EMPTY_SEGMENT ? '' : decodeURIComponent(s));

const objectFileName = (segment: string): string =>
  (segment === '' ? '' : encodeSegment(segment)) + OBJECT_SUFFIX;
const tempFileName = (uploadId: string, fileName: string): string => `.${uploadId}.${fileName}`;
const UPLOAD_ID = /^[0-9a-f]{16}$/;

const errnoOf = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string'
    ? e.code
    : undefined;

/** Failures of the disk or its mount, which may pass (space freed, volume remounted). */
const UNAVAILABLE_ERRNOS = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOSPC',
  'EDQUOT',
  'EIO',
  'EMFILE',
  'ENFILE',
  'ESTALE',
  'EAGAIN',
  'EBUSY',
]);

const wrap = (e: unknown): Error =>
  UNAVAILABLE_ERRNOS.has(errnoOf(e) ?? '') ? errors.storageUnavailable(e) : (e as Error);

/** A missing key: named as S3 names it, a permanent failure. */
class NoSuchKeyError extends Error {
  override readonly name = 'NoSuchKey';
  readonly code = 'ENOENT';
  constructor(key: string) {
    super(`no object at key ${JSON.stringify(key)}`);
  }
}

/**
 * The ObjectStore port on a local directory, for a deployment on one machine: no S3
 * server to run, and no HTTP, signing or copying between processes on the data path.
 *
 * Durability: a write goes to a temporary file beside its object, is fsynced, renamed
 * over the object's name and the directory is fsynced (with every directory the write
 * created), so once `done()`/`put()` resolves the object survives a power cut, and a
 * reader sees either no object or all of it — never part. `remove` does not fsync: a
 * deletion lost to a crash leaves an object the sweeps delete again.
 *
 * Any number of processes on the machine may share the directory: names of writes in
 * progress are random, renames are atomic, and emptied directories are removed with a
 * retry on the writer's side. A network filesystem is only as safe as its rename and
 * fsync (NFS close-to-open consistency: not recommended).
 */
export class FsObjectStore implements OwnedObjectStore {
  private readonly root: string;
  private readonly readChunkBytes: number;

  constructor(options: FsObjectStoreOptions) {
    if (!isAbsolute(options.root)) {
      throw new Error(`the object directory must be an absolute path (got ${options.root})`);
    }
    this.root = options.root;
    this.readChunkBytes = options.readChunkBytes ?? 256 * 1024;
  }

  /** Creates the root directory when it is missing; safe from every process at once. */
  async prepare(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true });
    } catch (e) {
      throw wrap(e);
    }
  }

  startUpload(key: string, body: Readable, options: UploadOptions = {}): ObjectUpload {
    const controller = new AbortController();
    const done = (async (): Promise<StoredObject> => {
      await this.writeAtomically(key, async (handle, uploadId) => {
        // Every write has a file in progress from its first byte: report it as S3 reports a
        // multipart upload, so that the sweeper can delete it if this process dies.
        options.onMultipartStarted?.(uploadId);
        await writeAll(handle, addAbortSignal(controller.signal, body));
      });
      return { key };
    })();
    // The caller may abort before awaiting done(); keep the rejection observed.
    done.catch(() => undefined);
    return {
      done: () => done,
      abort: async () => {
        controller.abort();
        await done.catch(() => undefined);
        // As with S3: aborting removes whatever was stored, even an upload that completed.
        await this.remove(key).catch(() => undefined);
      },
    };
  }

  async put(key: string, body: Readable, length: number, options?: PutOptions): Promise<void> {
    await this.writeAtomically(key, async (handle) => {
      const signal = options?.signal;
      const size = await writeAll(handle, signal ? addAbortSignal(signal, body) : body);
      if (size !== length) {
        throw new Error(`object ${key}: body was ${size} bytes, ${length} were declared`);
      }
    });
  }

  async read(
    key: string,
    range?: { start: number; end: number },
    options: ReadOptions = {},
  ): Promise<Readable> {
    let handle: FileHandle;
    try {
      handle = await open(this.objectPath(key), 'r');
    } catch (e) {
      if (errnoOf(e) === 'ENOENT') throw new NoSuchKeyError(key);
      throw wrap(e);
    }
    if (range !== undefined && range.end <= range.start) {
      await handle.close();
      return Readable.from([]);
    }
    // An open file stays readable whole even if the object is replaced or removed meanwhile.
    const stream = handle.createReadStream({
      start: range?.start,
      // Inclusive here; ours are half-open.
      end: range === undefined ? undefined : range.end - 1,
      highWaterMark: this.readChunkBytes,
      autoClose: true,
    });
    if (options.lastRead === true) {
      // 'end' comes before autoClose closes the file: the descriptor is still open here.
      stream.once('end', () =>
        dropFromPageCache(handle.fd, range?.start ?? 0, range?.end ?? stream.bytesRead),
      );
    }
    return stream;
  }

  async size(key: string): Promise<number | null> {
    try {
      return (await stat(this.objectPath(key))).size;
    } catch (e) {
      if (errnoOf(e) === 'ENOENT') return null;
      throw wrap(e);
    }
  }

  async remove(key: string): Promise<void> {
    const path = this.objectPath(key);
    try {
      await rm(path, { force: true });
    } catch (e) {
      throw wrap(e);
    }
    await this.pruneEmptyDirectories(dirname(path));
  }

  async *list(prefix: string): AsyncIterable<ListedObject[]> {
    let page: ListedObject[] = [];
    for await (const entry of this.walk(prefix, 'objects')) {
      page.push({ key: entry.key, lastModified: entry.mtime, bytes: entry.bytes });
      if (page.length === PAGE) {
        yield page;
        page = [];
      }
    }
    // An empty listing is one empty page, as S3 answers it.
    yield page;
  }

  async listMultipartUploads(prefix: string): Promise<PendingMultipartUpload[]> {
    const found: PendingMultipartUpload[] = [];
    for await (const entry of this.walk(prefix, 'writes')) {
      found.push({ key: entry.key, uploadId: entry.uploadId, initiated: entry.birth });
    }
    return found;
  }

  /** Deletes the file of a write in progress (its writer then fails); an unknown one is no error. */
  async abortMultipartUpload(key: string, uploadId: string): Promise<boolean> {
    if (!UPLOAD_ID.test(uploadId)) return true;
    const path = this.objectPath(key);
    try {
      await rm(join(dirname(path), tempFileName(uploadId, objectFileName(lastSegment(key)))), {
        force: true,
      });
    } catch (e) {
      throw wrap(e);
    }
    await this.pruneEmptyDirectories(dirname(path));
    return true;
  }

  async ping(): Promise<void> {
    try {
      await access(this.root, constants.R_OK | constants.W_OK | constants.X_OK);
    } catch (e) {
      throw errors.storageUnavailable(e);
    }
  }

  /** Nothing to release: every file is closed when its read or write ends. */
  close(): void {}

  private objectPath(key: string): string {
    const segments = key.split('/');
    const last = segments.pop() ?? '';
    return join(this.root, ...segments.map(encodeSegment), objectFileName(last));
  }

  /**
   * Runs `write` on a new file beside the object's name, then makes it the object
   * durably (fsync, rename, fsync of the directories); on failure the file is deleted.
   */
  private async writeAtomically(
    key: string,
    write: (handle: FileHandle, uploadId: string) => Promise<void>,
  ): Promise<void> {
    const path = this.objectPath(key);
    const dir = dirname(path);
    const uploadId = randomBytes(8).toString('hex');
    const temp = join(dir, tempFileName(uploadId, objectFileName(lastSegment(key))));
    const { handle, createdFrom } = await this.createFile(dir, temp);
    try {
      await write(handle, uploadId);
      await handle.sync();
    } catch (e) {
      await handle.close().catch(() => undefined);
      await rm(temp, { force: true }).catch(() => undefined);
      await this.pruneEmptyDirectories(dir);
      throw wrap(e);
    }
    try {
      await handle.close();
      await rename(temp, path);
      await syncDirectory(dir);
      // New directories are durable once their parents' entries are.
      if (createdFrom !== undefined) {
        for (let d = dir; d !== dirname(createdFrom);) {
          d = dirname(d);
          await syncDirectory(d);
        }
      }
    } catch (e) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw wrap(e);
    }
  }

  /**
   * Creates `file` (exclusively) in `dir`, creating the directories first. Another process
   * may remove an emptied directory between the two steps: then both are tried again.
   */
  private async createFile(
    dir: string,
    file: string,
  ): Promise<{ handle: FileHandle; createdFrom: string | undefined }> {
    for (let attempt = 1; ; attempt++) {
      try {
        const createdFrom = await mkdir(dir, { recursive: true });
        return { handle: await open(file, 'wx'), createdFrom };
      } catch (e) {
        if (errnoOf(e) === 'ENOENT' && attempt < 5) continue;
        throw wrap(e);
      }
    }
  }

  /** Removes `dir` and its parents while they are empty, never the root. */
  private async pruneEmptyDirectories(dir: string): Promise<void> {
    for (let d = dir; isBelow(this.root, d); d = dirname(d)) {
      try {
        await rmdir(d);
      } catch {
        return; // not empty (ENOTEMPTY/EEXIST), already gone, or not ours to remove
      }
    }
  }

  /**
   * Objects (or writes in progress) whose key starts with `prefix`, in key order: each
   * directory is read and sorted on its own, which yields S3's order because a directory
   * `d` holds exactly the keys starting with `d/`.
   */
  private async *walk(
    prefix: string,
    what: 'objects' | 'writes',
  ): AsyncGenerator<{ key: string; mtime: Date; birth: Date; bytes: number; uploadId: string }> {
    // Start in the deepest directory the prefix names whole.
    const whole = prefix.split('/').slice(0, -1);
    const start = join(this.root, ...whole.map(encodeSegment));
    const startKey = whole.map((s) => `${s}/`).join('');
    yield* this.walkDirectory(start, startKey, prefix, what);
  }

  private async *walkDirectory(
    dir: string,
    dirKey: string,
    prefix: string,
    what: 'objects' | 'writes',
  ): AsyncGenerator<{ key: string; mtime: Date; birth: Date; bytes: number; uploadId: string }> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENOTDIR') return;
      throw wrap(e);
    }
    const items: Array<{ key: string; name: string; directory: boolean; uploadId: string }> = [];
    for (const entry of entries) {
      const item = parseEntry(entry, dirKey, what);
      if (item === null) continue;
      // A directory is walked when its keys can start with the prefix.
      const wanted = item.directory
        ? item.key.startsWith(prefix) || prefix.startsWith(item.key)
        : item.key.startsWith(prefix);
      if (wanted) items.push(item);
    }
    items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const item of items) {
      const path = join(dir, item.name);
      if (item.directory) {
        yield* this.walkDirectory(path, item.key, prefix, what);
        continue;
      }
      try {
        const s = await stat(path);
        yield {
          key: item.key,
          mtime: s.mtime,
          birth: s.birthtimeMs > 0 ? s.birthtime : s.ctime,
          bytes: s.size,
          uploadId: item.uploadId,
        };
      } catch (e) {
        if (errnoOf(e) !== 'ENOENT') throw wrap(e); // removed since the directory was read
      }
    }
  }
}

const lastSegment = (key: string): string => key.slice(key.lastIndexOf('/') + 1);

const isBelow = (root: string, path: string): boolean => {
  const r = relative(root, path);
  return r !== '' && !r.startsWith('..') && !isAbsolute(r);
};

/**
 * What a directory entry stands for: a directory of keys (its key ends with `/`), an
 * object, or a write in progress. Null for anything else (another kind of file, a name
 * this store did not write).
 */
function parseEntry(
  entry: Dirent,
  dirKey: string,
  what: 'objects' | 'writes',
): { key: string; name: string; directory: boolean; uploadId: string } | null {
  const { name } = entry;
  try {
    if (entry.isDirectory()) {
      if (name.startsWith('.')) return null;
      return { key: `${dirKey}${decodeSegment(name)}/`, name, directory: true, uploadId: '' };
    }
    if (!entry.isFile() || !name.endsWith(OBJECT_SUFFIX)) return null;
    let fileName = name;
    let uploadId = '';
    if (name.startsWith('.')) {
      if (what !== 'writes') return null;
      const dot = name.indexOf('.', 1);
      uploadId = name.slice(1, dot);
      if (dot < 0 || !UPLOAD_ID.test(uploadId)) return null;
      fileName = name.slice(dot + 1);
    } else if (what !== 'objects') {
      return null;
    }
    const encoded = fileName.slice(0, -OBJECT_SUFFIX.length);
    return { key: dirKey + decodeSegment(encoded), name, directory: false, uploadId };
  } catch {
    return null; // not percent-encoding this store wrote (decodeURIComponent threw)
  }
}

/** Bytes gathered before one writev(2): fewer system calls than one per network read. */
const WRITE_BATCH_BYTES = 1024 * 1024;

/**
 * Writes all of `body` to `handle` (which stays open, to be fsynced); returns the byte
 * count. Not a pipe into a write stream: that closes its file, before the fsync. The
 * pieces go to writev as they came: joining them first cost a copy and, in garbage
 * collection, more than the write itself.
 */
async function writeAll(handle: FileHandle, body: Readable): Promise<number> {
  let batch: Buffer[] = [];
  let batched = 0;
  let total = 0;
  const flush = async () => {
    let written = batched === 0 ? 0 : (await handle.writev(batch)).bytesWritten;
    // One writev(2) may take only part of the pieces: write the rest from where it stopped.
    for (const piece of batch) {
      if (written >= piece.length) {
        written -= piece.length;
        continue;
      }
      for (let done = written; done < piece.length;) {
        done += (await handle.write(piece, done, piece.length - done)).bytesWritten;
      }
      written = 0;
    }
    total += batched;
    batch = [];
    batched = 0;
  };
  for await (const bytes of chunksAsPushed(body)) {
    batch.push(bytes);
    batched += bytes.length;
    if (batched >= WRITE_BATCH_BYTES) await flush();
  }
  await flush();
  return total;
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
