/**
 * The services as separate child processes, each started as
 * `node --import tsx services/<role>/src/main.ts` so that the child's PID is
 * the service's own (the tsx CLI would put a wrapper process in between) and
 * a test can kill it with SIGKILL. stdout and stderr go to a log file per process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export type Role = 'gateway' | 'splitter' | 'loader' | 'storage';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  name: string;
  role: Role;
  pid: number;
  child: ChildProcess;
  logPath: string;
  /** Set once the process has exited. */
  exitInfo: ExitInfo | undefined;
  exited: Promise<ExitInfo>;
}

/** Spawns `command` with its output appended to `<logDir>/<name>.log`, and tracks its exit. */
export function spawnLogged(
  spec: { name: string; role: Role; command: string; args: string[]; cwd: string },
  env: NodeJS.ProcessEnv,
  logDir: string,
): ServiceProcess {
  const logPath = join(logDir, `${spec.name}.log`);
  const fd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(spec.command, spec.args, { cwd: spec.cwd, env, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`could not spawn ${spec.name}`);
  const service: ServiceProcess = {
    name: spec.name,
    role: spec.role,
    pid: child.pid,
    child,
    logPath,
    exitInfo: undefined,
    exited: new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        service.exitInfo = { code, signal };
        resolve(service.exitInfo);
      });
    }),
  };
  return service;
}

/**
 * One service as its own process: its sources through tsx
 * (`node --import tsx services/<role>/src/main.ts`), or with `bundle` what
 * production runs — the service's `start` script, `node [flags] dist/main.js`
 * (npm run build), run as a direct child so its PID is the service's own.
 */
export function spawnService(
  root: string,
  role: Exclude<Role, 'storage'>,
  name: string,
  env: NodeJS.ProcessEnv,
  logDir: string,
  options: { bundle?: boolean; nodeFlags?: string[] } = {},
): ServiceProcess {
  const extra = options.nodeFlags ?? [];
  const args = options.bundle
    ? [...startFlags(root, role), ...extra, `services/${role}/dist/main.js`]
    : [...extra, '--import', 'tsx', `services/${role}/src/main.ts`];
  return spawnLogged({ name, role, command: process.execPath, args, cwd: root }, env, logDir);
}

/** The Node flags of a service's `start` script (`node <flags> dist/main.js`). */
function startFlags(root: string, role: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'services', role, 'package.json'), 'utf8')) as {
    scripts?: { start?: string };
  };
  const m = /^node (.*?)\s*dist\/main\.js$/.exec(pkg.scripts?.start ?? '');
  if (!m) throw new Error(`services/${role}: "start" is not \`node [flags] dist/main.js\``);
  return (m[1] ?? '').split(/\s+/).filter((f) => f !== '');
}

/** A port nobody listens on right now (bound and released at once). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** SIGTERM to every live service, then waits for them to drain; SIGKILL after `graceMs`. */
export async function stopServices(
  services: ServiceProcess[],
  graceMs = 60_000,
): Promise<Map<string, ExitInfo & { killed: boolean; seconds: number }>> {
  const t0 = performance.now();
  const results = new Map<string, ExitInfo & { killed: boolean; seconds: number }>();
  await Promise.all(
    services.map(async (s) => {
      if (s.exitInfo) {
        results.set(s.name, { ...s.exitInfo, killed: false, seconds: 0 });
        return;
      }
      s.child.kill('SIGTERM');
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        s.child.kill('SIGKILL');
      }, graceMs);
      const info = await s.exited;
      clearTimeout(timer);
      results.set(s.name, { ...info, killed, seconds: (performance.now() - t0) / 1000 });
    }),
  );
  return results;
}
