/** What one run holds while it goes, and the figures it measures. */
import type pg from 'pg';
import type { BenchArgs } from '../bench-support/args';
import type { CsvFile } from '../bench-support/csv-generator';
import type { LogSummary } from '../bench-support/logs';
import type { Sampler, Tracked } from '../bench-support/sampler';
import type { ExitInfo } from '../bench-support/services';
import type { CrashWatch } from './crash-watch';
import type { FileShape } from './file-shapes';
import type { JobView } from './job-poller';

/** The run's identity and its isolated resources, handed to every step. */
export interface RunContext {
  args: BenchArgs;
  shape: FileShape;
  /** The job loads with the shape's schema stored as a dataset, instead of inferring one. */
  declared: boolean;
  /** A small job of the same shape and route goes through the services first (--services warm). */
  warm: boolean;
  runId: string;
  /** bench-data/logs/<runId>: report, result.json, timeline and every process's log. */
  logDir: string;
  database: string;
  databaseUrl: string;
  queuePrefix: string;
  bucket: string;
  /** STORAGE_BACKEND of the run's services. */
  storage: 's3' | 'fs';
  /** On the server's maintenance database: CHECKPOINT, DROP DATABASE, backend look-ups. */
  admin: pg.Client;
  /** On the run's database: verification queries. */
  db: pg.Client;
  sampler: Sampler;
  crash: CrashWatch;
  /** Everything that went wrong; any entry fails the run. */
  problems: string[];
}

/** CPU seconds spent in one measured window. */
export interface CpuWindow {
  /** Per process label (utime + stime). */
  perProcess: Map<string, number>;
  /** The whole machine, every tenant included. */
  machine: number;
}

export interface PsqlResult {
  seconds: number;
  rows: number;
  pid: number;
}

/** A tool users would pick instead (--peers), after it loaded the raw file into its own table. */
export interface PeerResult {
  /** pgloader, duckdb. */
  name: string;
  /** Its table, in public, of the shape's DDL. */
  table: string;
  seconds: number;
  code: number | null;
  /** The end of its output (all of it is in <name>.log). */
  tail: string;
}

export interface BaselineFigures {
  psql?: PsqlResult;
  psqlCpu?: CpuWindow;
  /** The peers that ran, in the order of --peers. */
  peers: PeerResult[];
  /** Why a peer asked for did not run ("pgloader not installed: ..."). */
  peersSkipped: string[];
}

/** One job through the system; filled as it goes, so an aborted run reports what it got. */
export interface JobFigures {
  /** The upload route, e.g. PUT /v1/jobs/raw. */
  route: { name: string; method: string };
  jobId?: string;
  /** How long the warm-up job took (--services warm), s. */
  warmUpSeconds?: number;
  /** The job as last polled. */
  view?: JobView;
  uploadSeconds?: number;
  loadSeconds?: number;
  e2eSeconds?: number;
  uploadCpu?: CpuWindow;
  loadCpu?: CpuWindow;
  /** Seconds after the upload started at which each milestone was seen. */
  timeline: Record<string, number | undefined>;
  /** Date.now() when the upload began (the ledger's timestamps are wall-clock). */
  uploadStartedAt?: number;
  /** Chunks the ledger recorded for the job. */
  ledgerChunks?: number;
  snapshotsTaken: number;
}

export interface Counts {
  rows: number;
  nonNull: number;
  idSum: string;
}

export interface VerificationFigures {
  counts?: { pipeline: Counts; psql: Counts; peers: Record<string, Counts> };
  /** `name type` per column, in attnum order. */
  columnTypes?: { pipeline: string[]; psql: string[] };
  fingerprints?: { pipeline: string; psql: string; peers: Record<string, string> };
}

export type Peak = { name: string; hwmKiB: number; sampledKiB: number };

/** What a run hands to the next one (the scaling summary) and to the exit code. */
export interface RunSummary {
  code: number;
  runId: string;
  size: number;
  bytes: number;
  records: number;
  psqlSeconds: number | undefined;
  /** Each peer's time, by name (loads that failed are left out). */
  peerSeconds: Record<string, number>;
  e2eSeconds: number | undefined;
  uploadSeconds: number | undefined;
  peaks: Peak[];
  /** CPU seconds of the job (upload + plan+load windows) per process label. */
  jobCpu: Map<string, number>;
}

/** A service's log at the end of the run. */
export interface ServiceLog extends LogSummary {
  name: string;
  logPath: string;
}

/** Everything the report and result.json are rendered from. */
export interface RunRecord {
  run: RunContext;
  csv: CsvFile;
  /** The storage in use, for the settings line. */
  storageLabel: string;
  serverVersion: string;
  serverSettings: string;
  loadStart: number[];
  loadEnd: number[];
  readySeconds: number | undefined;
  baseline: BaselineFigures;
  job: JobFigures;
  verification: VerificationFigures;
  peaks: Peak[];
  /** Every process the sampler tracked. */
  processes: Tracked[];
  serviceNames: string[];
  helpers: string[];
  exits: Map<string, ServiceExit> | undefined;
  logs: ServiceLog[];
}

export type ServiceExit = ExitInfo & { killed: boolean; seconds: number };
