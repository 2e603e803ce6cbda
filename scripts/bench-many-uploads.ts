/**
 * Many uploads into one gateway at once: its peak RSS and the time they take, through tus with
 * the tus segment memory bounded (GATEWAY_TUS_BUFFER_BYTES, the default 256 MiB) and
 * unbounded, and through raw PUT (`curl -T`, stored in segments as it arrives).
 *
 *   npm run bench:many-uploads -- [uploads=16] [MiB per upload=64] [rounds=1]
 *
 * The gateway runs as its own process (the bundle production runs, `npm run build` first)
 * with the directory store; no splitter or loaders, so only the gateway's memory shows.
 * Four uploads per tenant (the per-key limit), all sent at once by curl. tus: every upload is
 * created (POST /v1/uploads), then sent by one `curl -X PATCH -T file` each; a request answered
 * 503 UPLOADS_BUSY is sent again after Retry-After from the offset HEAD gives, as a tus client
 * does. Every upload's final offset and SHA-256 are checked. Prints one Markdown table.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestEnvironment, freePort, spawnService, startSystem } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';
import { readMemory } from './bench-support/proc';

const uploads = Number(process.argv[2] ?? 16);
const mib = Number(process.argv[3] ?? 64);
const rounds = Number(process.argv[4] ?? 1);
const ROOT = resolve(__dirname, '..');
const PER_KEY = 4;

type Route = 'tus' | 'put';
const CONFIGS: { name: string; route: Route; budget: string }[] = [
  { name: 'tus, memory bounded: 256 MiB (default)', route: 'tus', budget: String(256 * 1024 ** 2) },
  { name: 'tus, unbounded', route: 'tus', budget: String(64 * 1024 ** 3) },
  { name: 'raw PUT (`curl -T`)', route: 'put', budget: String(256 * 1024 ** 2) },
];

interface Outcome {
  seconds: number;
  peakMiB: number;
  busy: number;
}

/** A CSV file of at least `bytes` (rows of random hex), written as it is made; its SHA-256. */
function csvFile(dir: string, bytes: number): { path: string; sha256: string } {
  const path = join(dir, 'upload.csv');
  const hash = createHash('sha256');
  const fd = openSync(path, 'w');
  const write = (text: string) => {
    hash.update(text);
    writeSync(fd, text);
  };
  try {
    let size = 0;
    write('id,payload\n');
    for (let i = 1; size < bytes; i += 1000) {
      const rows: string[] = [];
      for (let j = i; j < i + 1000; j++) rows.push(`${j},${randomBytes(24).toString('hex')}\n`);
      const text = rows.join('');
      write(text);
      size += text.length;
    }
  } finally {
    closeSync(fd);
  }
  return { path, sha256: hash.digest('hex') };
}

function curl(args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn('curl', ['-sS', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', fail);
    // 'close', not 'exit': the output may still be arriving when the process has exited.
    child.on('close', (code) => (code === 0 ? done(out) : fail(new Error(`curl exit ${code}`))));
  });
}

async function measure(
  route: Route,
  budget: string,
  file: { path: string; sha256: string },
  size: number,
) {
  const t = await createTestEnvironment({ LOG_LEVEL: 'warn' });
  const storeDir = join(tmpdir(), `bench-many-uploads-${Date.now()}`);
  const env = { ...t.env, STORAGE_BACKEND: 'fs', STORAGE_DIR: storeDir };
  // In this process only to migrate and issue keys; the measured gateway is its own process.
  const admin = await startSystem(env, { loaders: 0, splitter: false, notifier: false });
  const port = await freePort();
  const logDir = join(ROOT, 'bench-data', 'logs', 'many-uploads');
  mkdirSync(logDir, { recursive: true });
  const gateway = spawnService(
    ROOT,
    'gateway',
    'gateway',
    { ...process.env, ...env, GATEWAY_PORT: String(port), GATEWAY_TUS_BUFFER_BYTES: budget },
    logDir,
    { bundle: true },
  );
  const base = `http://127.0.0.1:${port}`;
  try {
    for (
      let i = 0;
      !(await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      ));
      i++
    ) {
      if (i > 300) throw new Error(`gateway did not start: ${gateway.logPath}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const keys = await Promise.all(
      Array.from({ length: Math.ceil(uploads / PER_KEY) }, (_, i) =>
        admin.createApiKey(`many_${i}`),
      ),
    );
    const keyOf = (i: number) => keys[Math.floor(i / PER_KEY)] ?? '';
    const created = await Promise.all(
      Array.from({ length: route === 'tus' ? uploads : 0 }, async (_, i) => {
        const key = keyOf(i);
        const res = await fetch(`${base}/v1/uploads`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${key}`,
            'tus-resumable': '1.0.0',
            'upload-length': String(size),
            'upload-metadata': `table ${Buffer.from(`tus_memory_${i}`).toString('base64')}`,
          },
        });
        if (res.status !== 201) throw new Error(`create: ${res.status} ${await res.text()}`);
        return { key, url: new URL(res.headers.get('location') ?? '', base).toString() };
      }),
    );
    let busy = 0;
    let peakKiB = 0;
    const sampler = setInterval(() => {
      peakKiB = Math.max(peakKiB, readMemory(gateway.pid)?.hwmKiB ?? 0);
    }, 200);
    const verify = async (key: string, id: string) => {
      const job = (await (
        await fetch(`${base}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${key}` } })
      ).json()) as JobView;
      if (job.sha256 !== file.sha256) throw new Error(`${id}: sha256 ${job.sha256}`);
    };
    const sendPut = async (i: number) => {
      const key = keyOf(i);
      const answerFile = join(storeDir, `answer-${i}`);
      const status = await curl([
        ...['-H', `Authorization: Bearer ${key}`, '-H', 'Expect:'],
        ...['-o', answerFile, '-w', '%{http_code}', '-T', file.path],
        `${base}/v1/jobs/raw?table=many_put_${i}`,
      ]);
      const answer = readFileSync(answerFile, 'utf8');
      if (status !== '202') throw new Error(`PUT: ${status} ${answer}`);
      await verify(key, (JSON.parse(answer) as JobView).id);
    };
    const started = process.hrtime.bigint();
    if (route === 'put') await Promise.all(Array.from({ length: uploads }, (_, i) => sendPut(i)));
    await Promise.all(
      created.map(async ({ key, url }) => {
        const auth = [`-H`, `Authorization: Bearer ${key}`, '-H', 'Tus-Resumable: 1.0.0'];
        const answerFile = join(storeDir, `answer-${url.split('/').pop() ?? ''}`);
        for (let offset = 0; offset < size;) {
          const status = await curl([
            ...auth,
            '-o',
            answerFile,
            '-w',
            '%{http_code}',
            '-X',
            'PATCH',
            '-H',
            `Upload-Offset: ${offset}`,
            '-H',
            'Content-Type: application/offset+octet-stream',
            '-H',
            'Expect:',
            '-T',
            file.path,
            url,
          ]);
          if (status === '503') {
            busy++;
            await new Promise((r) => setTimeout(r, 5000));
          } else if (status !== '204') {
            throw new Error(`PATCH ${url}: ${status} ${readFileSync(answerFile, 'utf8')}`);
          }
          const head = await curl([...auth, '-I', url]);
          const found = /upload-offset: (\d+)/i.exec(head)?.[1];
          if (found === undefined) throw new Error(`HEAD ${url}: ${head}`);
          offset = Number(found);
          if (offset !== 0 && offset !== size)
            throw new Error(`resume from ${offset}: not measured`);
        }
        await verify(key, url.split('/').pop() ?? '');
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(sampler);
    peakKiB = Math.max(peakKiB, readMemory(gateway.pid)?.hwmKiB ?? 0);
    return { seconds, peakMiB: peakKiB / 1024, busy } satisfies Outcome;
  } finally {
    gateway.child.kill('SIGTERM');
    await gateway.exited;
    await admin.stop();
    await t.cleanup();
    rmSync(storeDir, { recursive: true, force: true });
  }
}

async function main() {
  const dir = join(ROOT, 'bench-data');
  mkdirSync(dir, { recursive: true });
  const file = csvFile(dir, mib * 1024 ** 2);
  const size = statSync(file.path).size;
  const results = new Map<string, Outcome[]>(CONFIGS.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? CONFIGS : [...CONFIGS].reverse();
    for (const config of order) {
      const outcome = await measure(config.route, config.budget, file, size);
      results.get(config.name)?.push(outcome);
      console.error(`${config.name}: ${JSON.stringify(outcome)}`);
    }
  }
  rmSync(file.path, { force: true });
  console.log(
    `\n${uploads} uploads of ${(size / 1e6).toFixed(1)} MB at once (${Math.ceil(uploads / PER_KEY)} tenants), gateway alone, directory store:\n`,
  );
  console.log('| route | wall s | MB/s | gateway peak RSS MiB | 503 UPLOADS_BUSY |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [name, outcomes] of results) {
    for (const o of outcomes) {
      const rate = (uploads * size) / 1e6 / o.seconds;
      console.log(
        `| ${name} | ${o.seconds.toFixed(1)} | ${rate.toFixed(0)} | ${o.peakMiB.toFixed(0)} | ${o.busy} |`,
      );
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
