import { ApiError, type Api } from '../api';
import { optionEntries, type UploadTransport } from './upload-transport';

function errorOfXhr(xhr: XMLHttpRequest): ApiError {
  try {
    const body = JSON.parse(xhr.responseText) as { error?: { code?: string; message?: string } };
    return new ApiError(
      xhr.status,
      body.error?.code ?? 'HTTP_ERROR',
      body.error?.message ?? `HTTP ${xhr.status}`,
    );
  } catch {
    return new ApiError(xhr.status, 'HTTP_ERROR', `HTTP ${xhr.status}`);
  }
}

/**
 * `PUT /v1/jobs/raw` with the file as the body: one request, not resumable. XHR rather
 * than fetch because only XHR reports upload progress.
 */
export const rawTransport: UploadTransport = {
  name: 'raw',
  start(api: Api, file, options, events) {
    const xhr = new XMLHttpRequest();
    const done = new Promise<string | null>((resolve, reject) => {
      const query = new URLSearchParams(optionEntries(options));
      xhr.open('PUT', `/v1/jobs/raw?${query.toString()}`);
      xhr.setRequestHeader('Authorization', api.authorization);
      xhr.upload.onprogress = (e) =>
        events.onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
      xhr.onload = () => {
        if (xhr.status !== 200 && xhr.status !== 202) {
          reject(errorOfXhr(xhr));
          return;
        }
        const job = JSON.parse(xhr.responseText) as { id: string };
        events.onProgress(file.size, file.size);
        events.onJobId(job.id);
        resolve(job.id);
      };
      xhr.onerror = () => reject(new ApiError(0, 'NETWORK_ERROR', 'the upload was cut off'));
      xhr.onabort = () => reject(new ApiError(0, 'UPLOAD_ABORTED', 'the upload was stopped'));
      xhr.send(file);
    });
    return { done, abort: () => xhr.abort() };
  },
};
