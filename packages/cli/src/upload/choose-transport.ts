import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ApiClient } from '../api-client';
import { ApiError } from '../cli-errors';
import { DirectTransport } from './direct-transport';
import { TusTransport } from './tus-transport';
import type { UploadTransport } from './upload-transport';

export type TransportChoice = 'auto' | 'tus' | 'direct';

/** Where unfinished tus uploads are remembered: `$XDG_CONFIG_HOME/csv-ingest/uploads.json`. */
export function uploadStoragePath(env: NodeJS.ProcessEnv): string {
  const base =
    env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== ''
      ? env.XDG_CONFIG_HOME
      : join(homedir(), '.config');
  return join(base, 'csv-ingest', 'uploads.json');
}

/** A tus server answers `OPTIONS` on its endpoint with the versions it speaks. */
async function speaksTus(client: ApiClient): Promise<boolean> {
  try {
    const res = await client.request('/v1/uploads', { method: 'OPTIONS' });
    return res.headers.get('Tus-Version') !== null;
  } catch (error) {
    // No tus endpoint (404/405): the direct transport. A refused key is reported by the upload.
    if (error instanceof ApiError) return false;
    throw error;
  }
}

/** tus when the gateway has it (or `--transport tus`), else one streamed request. */
export async function chooseTransport(
  client: ApiClient,
  choice: TransportChoice,
  env: NodeJS.ProcessEnv,
): Promise<UploadTransport> {
  const tus = () => new TusTransport(client.connection, uploadStoragePath(env));
  switch (choice) {
    case 'tus':
      return tus();
    case 'direct':
      return new DirectTransport(client.connection);
    case 'auto':
      return (await speaksTus(client)) ? tus() : new DirectTransport(client.connection);
  }
}
