/**
 * The system as production runs it: 1 gateway, 1 splitter and --loaders
 * loaders, each its own process (the bundles of npm run build, or the sources
 * with --runtime tsx), tracked by the sampler, stopped with SIGTERM at the end.
 */
import { join, relative } from 'node:path';
import { scanLog } from '../bench-support/logs';
import { childPids, commandLine } from '../bench-support/proc';
import {
  freePort,
  spawnService,
  stopServices,
  waitUntilReady,
  type ServiceProcess,
} from '../bench-support/services';
import { log, sec } from './bench-output';
import { RABBITMQ_URL, REDIS_URL, ROOT } from './endpoints';
import type { Peak, RunContext, ServiceExit, ServiceLog } from './run-model';

export type ServiceExits = Map<string, ServiceExit>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SystemUnderTest {
  readonly services: ServiceProcess[] = [];
  /** Processes the services started themselves, as "name → pid command". */
  readonly helpers: string[] = [];
  baseUrl = '';
  readySeconds: number | undefined;
  private childWatch: NodeJS.Timeout | undefined;

  constructor(private readonly run: RunContext) {}

  /** Spawns every service against the run's resources and waits until each one is consuming. */
  async start(storageEnv: NodeJS.ProcessEnv): Promise<void> {
    const { run } = this;
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LOG_LEVEL: 'warn',
      DATABASE_URL: run.databaseUrl,
      REDIS_URL,
      RABBITMQ_URL,
      QUEUE_PREFIX: run.queuePrefix,
      ...storageEnv,
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      SPLITTER_CHUNK_BYTES: String(run.args.chunk),
      LOADER_PREFETCH: String(run.args.prefetch),
    };
    this.spawn('gateway', 'gateway', env);
    this.spawn('splitter', 'splitter', env);
    for (let i = 1; i <= run.args.loaders; i++) this.spawn('loader', `loader-${i}`, env);
    this.baseUrl = `http://127.0.0.1:${port}`;
    log(
      `spawned ${this.services.map((s) => `${s.name}=${s.pid}`).join(' ')}; waiting until ready ...`,
    );
    this.readySeconds = (
      await waitUntilReady({
        gatewayUrl: this.baseUrl,
        rabbitmqUrl: RABBITMQ_URL,
        queuePrefix: run.queuePrefix,
        loaders: run.args.loaders,
        timeoutMs: 120_000,
        check: () => run.crash.check(),
      })
    ).seconds;
    log(`ready after ${sec(this.readySeconds)} s`);
    this.trackChildren();
    this.childWatch = setInterval(() => this.trackChildren(), 1000);
    await sleep(1000); // let start-up settle before the measured window
  }

  /** Each service's peak memory as of now (read before anything is stopped). */
  readPeaks(): Peak[] {
    const { sampler } = this.run;
    sampler.tick();
    return this.services.map((s) => {
      const t = sampler.get(s.pid);
      return { name: s.name, hwmKiB: t?.hwmKiB ?? 0, sampledKiB: t?.sampledPeakKiB ?? 0 };
    });
  }

  /** SIGTERM to every service (they drain); a kill or a bad exit is a problem of the run. */
  async stop(): Promise<ServiceExits | undefined> {
    const { run } = this;
    run.crash.expectExits();
    clearInterval(this.childWatch);
    if (this.services.length === 0) return undefined;
    log('stopping services (SIGTERM) ...');
    const exits = await stopServices(this.services);
    for (const [name, x] of exits) {
      if (x.killed) run.problems.push(`${name} did not stop within 60 s of SIGTERM; killed`);
      else if (x.code !== 0 && !(run.crash.error && x.signal === 'SIGINT')) {
        run.problems.push(`${name} exited with code ${x.code} signal ${x.signal} on SIGTERM`);
      }
    }
    return exits;
  }

  /** Warnings and errors each service logged; an error line is a problem of the run. */
  scanLogs(): ServiceLog[] {
    const logs = this.services.map((s) => ({
      name: s.name,
      logPath: s.logPath,
      ...scanLog(s.logPath),
    }));
    for (const x of logs) {
      if (x.errors > 0) {
        this.run.problems.push(
          `${x.name} logged ${x.errors} error line(s); see ${relative(ROOT, x.logPath)}`,
        );
      }
    }
    return logs;
  }

  private spawn(role: 'gateway' | 'splitter' | 'loader', name: string, env: NodeJS.ProcessEnv) {
    const { run } = this;
    const s = spawnService(ROOT, role, name, env, run.logDir, {
      bundle: run.args.runtime === 'bundle',
      nodeFlags: run.args.cpuProf
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${join(run.logDir, 'profiles')}`,
            `--cpu-prof-name=${name}.cpuprofile`,
          ]
        : [],
    });
    this.services.push(s);
    run.sampler.track(s.pid, name, 'service');
    run.crash.watchExit(
      s,
      (info) =>
        `${name} (pid ${s.pid}) exited unexpectedly: code ${info.code}, signal ${info.signal}; ` +
        `log: ${relative(ROOT, s.logPath)}`,
    );
  }

  /** Anything a service starts itself (tsx's esbuild service, say) is tracked separately. */
  private trackChildren(): void {
    const { sampler } = this.run;
    for (const s of this.services) {
      for (const pid of childPids(s.pid)) {
        if (sampler.get(pid)) continue;
        const what = commandLine(pid).split(' ')[0]?.split('/').pop() ?? '?';
        sampler.track(pid, `${s.name} child (${what})`, 'helper');
        this.helpers.push(`${s.name} → pid ${pid} ${commandLine(pid).slice(0, 100)}`);
      }
    }
  }
}
