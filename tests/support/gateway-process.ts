import { mkdirSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { join, resolve } from 'node:path';
import { freePort, spawnService, type ServiceProcess } from '@ingest/testing';

const ROOT = resolve(__dirname, '../..');

/** A gateway as its own process (so a test can SIGKILL it), listening on a free port. */
export async function startGatewayProcess(
  env: Record<string, string>,
  name: string,
): Promise<{ process: ServiceProcess; baseUrl: string }> {
  const port = await freePort();
  const logDir = join(ROOT, '.run', 'logs', 'tests', env.QUEUE_PREFIX?.replace(/\.$/, '') ?? 'x');
  mkdirSync(logDir, { recursive: true });
  const proc = spawnService(
    ROOT,
    'gateway',
    name,
    { ...process.env, ...env, GATEWAY_PORT: String(port), LOG_LEVEL: 'info' },
    logDir,
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(`${baseUrl}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { process: proc, baseUrl };
    if (proc.exitInfo || Date.now() > deadline) {
      throw new Error(`gateway ${name} did not start; see ${proc.logPath}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts a raw upload and sends `body` without ending it, as a client whose
 * upload is still running; `declaredBytes` sets Content-Length (a segmented
 * upload), without it the body is chunked (one multipart object).
 */
export function startStalledUpload(
  baseUrl: string,
  apiKey: string,
  table: string,
  body: Buffer,
  declaredBytes?: number,
  headers: Record<string, string> = {},
): ClientRequest {
  const req = request(new URL(`${baseUrl}/v1/jobs/raw?table=${table}`), {
    method: 'PUT',
    headers: {
      ...headers,
      authorization: `Bearer ${apiKey}`,
      ...(declaredBytes === undefined
        ? { 'transfer-encoding': 'chunked' }
        : { 'content-length': String(declaredBytes) }),
    },
  });
  req.on('error', () => undefined);
  req.write(body);
  return req;
}
