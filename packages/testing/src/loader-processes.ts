import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import amqp from 'amqplib';
import { QUEUES } from '@ingest/contracts';
import { spawnService, stopServices, type ServiceProcess } from './service-process';

const ROOT = resolve(__dirname, '../../..');

export interface LoaderSpec {
  name: string;
  /** LOADER_FAILPOINTS for this loader (see services/loader/src/failpoints.ts). */
  failpoints?: string;
  /** Start it again whenever it dies (as a process supervisor would), this many times. */
  restarts?: number;
}

/**
 * Loaders as real processes, so tests can watch them die by SIGKILL: each is
 * `node --import tsx services/loader/src/main.ts` with the test's environment,
 * logging at info level to its own file under .run/logs/tests/.
 */
export class LoaderProcesses {
  readonly logDir: string;
  private readonly live = new Map<string, ServiceProcess>();
  /** Every process ever started, in order, with how it ended. */
  readonly history: ServiceProcess[] = [];
  private stopping = false;

  constructor(private readonly env: Record<string, string>) {
    this.logDir = join(ROOT, '.run', 'logs', 'tests', env.QUEUE_PREFIX?.replace(/\.$/, '') ?? 'x');
    mkdirSync(this.logDir, { recursive: true });
  }

  /** Starts the loaders and waits until each consumes the chunk queue. */
  async start(specs: LoaderSpec[]): Promise<void> {
    for (const spec of specs) this.launch(spec, spec.restarts ?? 0);
    await this.waitForConsumers(specs.length);
  }

  private launch(spec: LoaderSpec, restartsLeft: number): void {
    const env = {
      ...process.env,
      ...this.env,
      LOG_LEVEL: 'info',
      LOADER_FAILPOINTS: spec.failpoints ?? '',
    };
    const proc = spawnService(ROOT, 'loader', spec.name, env, this.logDir);
    this.live.set(spec.name, proc);
    this.history.push(proc);
    void proc.exited.then(() => {
      if (this.live.get(spec.name) === proc) this.live.delete(spec.name);
      if (!this.stopping && restartsLeft > 0) this.launch(spec, restartsLeft - 1);
    });
  }

  /** Loader processes that ended by SIGKILL so far. */
  get killed(): ServiceProcess[] {
    return this.history.filter((p) => p.exitInfo?.signal === 'SIGKILL');
  }

  /** Everything the processes named `name` logged. */
  log(name: string): string {
    return readFileSync(join(this.logDir, `${name}.log`), 'utf8');
  }

  async waitForConsumers(count: number, timeoutMs = 30_000): Promise<void> {
    const connection = await amqp.connect(this.env.RABBITMQ_URL ?? '');
    const queue = `${this.env.QUEUE_PREFIX ?? ''}${QUEUES.chunks}`;
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const channel = await connection.createChannel();
        channel.on('error', () => undefined);
        const consumers = await channel
          .checkQueue(queue)
          .then((q) => q.consumerCount)
          .catch(() => 0);
        await channel.close().catch(() => undefined);
        if (consumers >= count) return;
        if (Date.now() > deadline) {
          throw new Error(`${consumers} of ${count} loaders consuming after ${timeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await connection.close();
    }
  }

  /**
   * kill -9 of every live loader at once (a host lost, say), without the
   * restarts their specs ask for; `start` brings up new ones afterwards.
   */
  async killAll(): Promise<void> {
    const victims = [...this.live.values()];
    this.stopping = true;
    for (const p of victims) p.child.kill('SIGKILL');
    await Promise.all(victims.map((p) => p.exited));
    this.stopping = false;
  }

  /** SIGTERM to every live loader (they drain); no restarts from here on. */
  async stop(): Promise<void> {
    this.stopping = true;
    await stopServices([...this.live.values()], 20_000);
  }
}
