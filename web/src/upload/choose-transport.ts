import type { Api } from '../api';
import { rawTransport } from './raw-transport';
import { tusTransport } from './tus-transport';
import type { UploadTransport } from './upload-transport';

/**
 * tus when the gateway speaks it (`OPTIONS /v1/uploads` answers with `Tus-Version`),
 * else one raw PUT. Asked once per page load.
 */
export async function chooseTransport(api: Api): Promise<UploadTransport> {
  try {
    const res = await api.fetch('/v1/uploads', { method: 'OPTIONS' });
    return res.headers.has('Tus-Version') ? tusTransport : rawTransport;
  } catch {
    return rawTransport;
  }
}
