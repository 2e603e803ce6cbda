import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from '../api';
import { jobHref } from '../route';
import { chooseTransport } from './choose-transport';
import type { RunningUpload, UploadOptions, UploadTransport } from './upload-transport';

export interface UploadState {
  /** Local id of this upload (several may run). */
  n: number;
  fileName: string;
  transport: UploadTransport['name'];
  sent: number;
  total: number;
  startedAt: number;
  status: 'uploading' | 'stored' | 'failed';
  jobId: string | null;
  error: string | null;
}

export interface Uploads {
  list: UploadState[];
  start(file: File, options: UploadOptions): void;
  abort(n: number): void;
}

/**
 * The page's uploads. They live above the pages, so an upload goes on while another page
 * is open; a finished one opens its job's page.
 */
export function useUploads(api: Api | null): Uploads {
  const [list, setList] = useState<UploadState[]>([]);
  const running = useRef(new Map<number, RunningUpload>());
  const transport = useRef<Promise<UploadTransport> | null>(null);
  const counter = useRef(0);

  useEffect(() => {
    transport.current = api === null ? null : chooseTransport(api);
  }, [api]);

  const update = (n: number, patch: Partial<UploadState>) =>
    setList((all) => all.map((u) => (u.n === n ? { ...u, ...patch } : u)));

  const start = useCallback(
    (file: File, options: UploadOptions) => {
      if (api === null || transport.current === null) return;
      const n = ++counter.current;
      void transport.current.then((t) => {
        setList((all) => [
          {
            n,
            fileName: file.name,
            transport: t.name,
            sent: 0,
            total: file.size,
            startedAt: Date.now(),
            status: 'uploading',
            jobId: null,
            error: null,
          },
          ...all,
        ]);
        const upload = t.start(api, file, options, {
          onProgress: (sent, total) => update(n, { sent, total }),
          onJobId: (jobId) => update(n, { jobId }),
        });
        running.current.set(n, upload);
        upload.done
          .then(
            (jobId) => {
              update(n, { status: 'stored', jobId, sent: file.size });
              if (jobId !== null) location.hash = jobHref(jobId);
            },
            (e: unknown) =>
              update(n, { status: 'failed', error: e instanceof Error ? e.message : String(e) }),
          )
          .finally(() => running.current.delete(n));
      });
    },
    [api],
  );

  const abort = useCallback((n: number) => running.current.get(n)?.abort(), []);

  return { list, start, abort };
}
