/**
 * Samples RSS and CPU time of every process the benchmark cares about, every
 * `intervalMs`: the services (by PID), helpers (s3rver, psql), this process,
 * and the Postgres backends of the run's database (found in pg_stat_activity)
 * plus the server's background writers. CPU is attributed to a window by
 * differencing two `mark()` snapshots.
 */
import type { WriteStream } from 'node:fs';
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { readCpuSeconds, readMemory, ticksPerSecond } from './proc';

export type ProcKind = 'service' | 'helper' | 'peer' | 'client' | 'postgres';

export interface Tracked {
  pid: number;
  label: string;
  kind: ProcKind;
  alive: boolean;
  /** Largest VmRSS seen by sampling, KiB. */
  sampledPeakKiB: number;
  /** Last VmHWM read (the kernel's own peak), KiB. */
  hwmKiB: number;
  /** Last CPU time read (utime + stime), seconds. */
  cpu: number;
}

export interface Snapshot {
  at: number;
  cpu: Map<number, { label: string; kind: ProcKind; cpu: number }>;
  /** Whole-machine jiffies from /proc/stat: busy and total. */
  machine: { busy: number; total: number };
}

/** Busy and total jiffies of all CPUs together. */
function machineJiffies(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest is already inside user)
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

export class Sampler {
  private readonly procs = new Map<number, Tracked>();
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;
  private pgRefresh: Promise<void> | undefined;
  private readonly t0 = performance.now();

  constructor(
    private readonly timeline: WriteStream | null,
    private readonly postgres: { client: pg.Client; database: string } | null,
  ) {
    timeline?.write('elapsed_s,label,rss_mib,cpu_s\n');
  }

  track(pid: number, label: string, kind: ProcKind): Tracked {
    const existing = this.procs.get(pid);
    if (existing) return existing;
    const t: Tracked = { pid, label, kind, alive: true, sampledPeakKiB: 0, hwmKiB: 0, cpu: 0 };
    this.procs.set(pid, t);
    this.sample(t, false);
    return t;
  }

  get(pid: number): Tracked | undefined {
    return this.procs.get(pid);
  }

  list(): Tracked[] {
    return [...this.procs.values()];
  }

  start(intervalMs = 200): void {
    this.timer = setInterval(() => {
      this.tick(true);
      // Backends come and go with connection pools: look for new ones once a second.
      if (++this.ticks % 5 === 0) void this.refreshPostgres();
    }, intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads every live process once (and writes the timeline when asked). */
  tick(record = false): void {
    for (const t of this.procs.values()) if (t.alive) this.sample(t, record);
  }

  /** A CPU snapshot as of now (backends refreshed first, so none is missed). */
  async mark(): Promise<Snapshot> {
    await this.refreshPostgres();
    this.tick(false);
    const cpu = new Map<number, { label: string; kind: ProcKind; cpu: number }>();
    for (const t of this.procs.values())
      cpu.set(t.pid, { label: t.label, kind: t.kind, cpu: t.cpu });
    return { at: performance.now(), cpu, machine: machineJiffies() };
  }

  private sample(t: Tracked, record: boolean): void {
    const cpu = readCpuSeconds(t.pid);
    const mem = readMemory(t.pid);
    if (cpu === null || mem === null) {
      t.alive = false;
      return;
    }
    t.cpu = cpu;
    t.hwmKiB = Math.max(t.hwmKiB, mem.hwmKiB);
    t.sampledPeakKiB = Math.max(t.sampledPeakKiB, mem.rssKiB);
    if (record && this.timeline && t.kind !== 'postgres') {
      const elapsed = ((performance.now() - this.t0) / 1000).toFixed(1);
      this.timeline.write(
        `${elapsed},${t.label},${(mem.rssKiB / 1024).toFixed(1)},${cpu.toFixed(2)}\n`,
      );
    }
  }

  private refreshPostgres(): Promise<void> {
    if (!this.postgres) return Promise.resolve();
    this.pgRefresh ??= (async () => {
      const { client, database } = this.postgres as { client: pg.Client; database: string };
      try {
        const { rows } = await client.query<{ pid: number; label: string }>(
          `SELECT pid, coalesce(nullif(application_name, ''), backend_type) AS label
           FROM pg_stat_activity
           WHERE (datname = $1 AND pid <> pg_backend_pid())
              OR backend_type IN ('checkpointer', 'walwriter', 'background writer')`,
          [database],
        );
        for (const r of rows) this.track(r.pid, `postgres: ${r.label}`, 'postgres');
      } catch {
        /* a failed look-up only loses precision */
      }
    })().finally(() => {
      this.pgRefresh = undefined;
    });
    return this.pgRefresh;
  }
}

/** CPU seconds per label spent between two snapshots (processes born in between count from 0). */
export function cpuBetween(a: Snapshot, b: Snapshot): Map<string, number> {
  const out = new Map<string, number>();
  for (const [pid, later] of b.cpu) {
    const delta = later.cpu - (a.cpu.get(pid)?.cpu ?? 0);
    out.set(later.label, (out.get(later.label) ?? 0) + Math.max(0, delta));
  }
  return out;
}

/** Busy CPU seconds of the whole machine (all tenants) between two snapshots. */
export function machineBusySeconds(a: Snapshot, b: Snapshot): number {
  return (b.machine.busy - a.machine.busy) / ticksPerSecond;
}
