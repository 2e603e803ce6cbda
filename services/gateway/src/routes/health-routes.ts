import { Router } from 'express';

export type ReadinessCheck = () => Promise<void>;

const withTimeout = async (check: ReadinessCheck, ms: number): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
};

/** `/healthz`: the process serves. `/readyz`: every dependency answers now. */
export function healthRoutes(checks: Record<string, ReadinessCheck>, timeoutMs = 2000): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const entries = Object.entries(checks);
    const results = await Promise.allSettled(entries.map(([, c]) => withTimeout(c, timeoutMs)));
    const report = Object.fromEntries(
      entries.map(([name], i) => {
        const r = results[i];
        return [
          name,
          r?.status === 'fulfilled' ? 'ok' : String((r as PromiseRejectedResult).reason),
        ];
      }),
    );
    const ready = results.every((r) => r.status === 'fulfilled');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks: report });
  });
  return router;
}
