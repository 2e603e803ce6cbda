import { request } from 'node:http';
import type { RunningSystem } from '@ingest/testing';
import { listObjectKeys } from './s3-objects';

/**
 * Starts a raw upload that declares `declaredBytes`, sends `body` (fewer),
 * then drops the connection, as a client that dies mid-upload does.
 */
export async function disconnectMidUpload(
  system: RunningSystem,
  table: string,
  declaredBytes: number,
  body: string,
): Promise<void> {
  await new Promise<void>((resolve) => {
    const req = request(new URL(`${system.baseUrl}/v1/jobs/raw?table=${table}`), {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${system.apiKey}`,
        'content-length': String(declaredBytes),
      },
    });
    req.on('error', () => resolve());
    req.write(body);
    setTimeout(() => {
      req.destroy();
      resolve();
    }, 300);
  });
}

/** The bucket's keys once they are back to `before` (the gateway cleans up asynchronously), or after 10 s. */
export async function keysSettledTo(
  env: Record<string, string>,
  before: string[],
): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  let keys = await listObjectKeys(env);
  while (keys.length > before.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    keys = await listObjectKeys(env);
  }
  return keys;
}
