import * as tus from 'tus-js-client';
import { ApiError, type Api } from '../api';
import { optionEntries, type UploadTransport } from './upload-transport';

const JOB_ID_HEADER = 'Ingest-Job-Id';

/**
 * Resumable upload (tus 1.0) to `/v1/uploads`: the options travel as Upload-Metadata,
 * the server names the job in `Ingest-Job-Id`. An upload of the same file that was cut
 * off (tab closed, network gone) resumes where it stopped: tus-js-client remembers its
 * URL in localStorage by the file's fingerprint.
 */
export const tusTransport: UploadTransport = {
  name: 'tus',
  start(api: Api, file, options, events) {
    let jobId: string | null = null;
    let upload: tus.Upload | undefined;
    const done = new Promise<string | null>((resolve, reject) => {
      upload = new tus.Upload(file, {
        endpoint: '/v1/uploads',
        headers: { Authorization: api.authorization },
        metadata: Object.fromEntries([['filename', file.name], ...optionEntries(options)]),
        retryDelays: [0, 1000, 3000, 5000, 10000],
        removeFingerprintOnSuccess: true,
        onProgress: (sent, total) => events.onProgress(sent, total),
        onAfterResponse: (_req, res) => {
          const id = res.getHeader(JOB_ID_HEADER);
          if (id && id !== jobId) {
            jobId = id;
            events.onJobId(id);
          }
        },
        onSuccess: () => resolve(jobId),
        onError: (err) => {
          const res = 'originalResponse' in err ? err.originalResponse : null;
          if (res) {
            try {
              const body = JSON.parse(res.getBody()) as {
                error?: { code?: string; message?: string };
              };
              reject(
                new ApiError(
                  res.getStatus(),
                  body.error?.code ?? 'HTTP_ERROR',
                  body.error?.message ?? err.message,
                ),
              );
              return;
            } catch {
              // not a JSON answer: fall through to the client's own message
            }
          }
          reject(new ApiError(res?.getStatus() ?? 0, 'UPLOAD_FAILED', err.message));
        },
      });
      const started = upload;
      void started.findPreviousUploads().then((previous) => {
        const last = previous[0];
        if (last !== undefined) started.resumeFromPreviousUpload(last);
        started.start();
      }, reject);
    });
    return { done, abort: () => void upload?.abort() };
  },
};
