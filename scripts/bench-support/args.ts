/** Command-line parsing for scripts/bench-pipeline.ts. Sizes accept 1GiB, 512MiB, 100MB, 12345. */

export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;

export interface BenchArgs {
  /** Size of the generated CSV in bytes (the file ends at the first record past it). */
  size: number;
  /** SPLITTER_CHUNK_BYTES for the run. */
  chunk: number;
  /** Loader processes to spawn. */
  loaders: number;
  /** LOADER_PREFETCH for every loader. */
  prefetch: number;
  /** Keep the run's database and stored object instead of dropping them. */
  keep: boolean;
  /** Regenerate the CSV even when bench-data/ already has it. */
  regen: boolean;
  /** Give up on the job after this many seconds. */
  timeoutSeconds: number;
  /**
   * Fail when the job shows no progress (status, chunks, rows) for this many
   * seconds; 30 s once a service has logged at error level.
   */
  stallSeconds: number;
  /**
   * 'own': a private s3rver for the run (default; concurrent test runs start and
   * stop the shared one). 'shared': the one at S3_ENDPOINT (infra/local/up.sh).
   */
  s3: 'own' | 'shared';
  /** Tools users would pick instead, each loading the raw file too (when installed). */
  peers: string[];
  /** 'bundle': the services as production runs them (npm run build); 'tsx': their sources. */
  runtime: 'bundle' | 'tsx';
  /**
   * Size of the reference run made first, for the scaling summary; null for none.
   * Defaults to 1 GiB when --size is at least 4 GiB.
   */
  reference: number | null;
  /** File shapes to run (file-shapes.ts): mixed, narrow, text. */
  shapes: string[];
  /** Upload routes to run (upload-routes.ts): put, multipart, tus. */
  routes: string[];
  /** Schemas: inferred by the splitter, or declared (a stored dataset). */
  schemas: ('inferred' | 'declared')[];
  /** Object stores (STORAGE_BACKEND): s3 (an s3rver, see `s3`) or fs (a directory). */
  storages: ('s3' | 'fs')[];
  /**
   * fresh: the measured job is the new processes' first; warm: one small job of the same
   * shape and route goes through them first, as in a deployment that has served jobs before.
   */
  services: ('fresh' | 'warm')[];
  /** How many times the whole matrix runs (interleaved); medians are reported from 3 on. */
  repeat: number;
  /** Start every service with `--cpu-prof`, writing its profile into the run's log folder. */
  cpuProf: boolean;
}

const SHAPE_NAMES = ['mixed', 'narrow', 'text'];
const ROUTE_NAMES = ['put', 'multipart', 'tus'];
const SCHEMA_NAMES = ['inferred', 'declared'];
const STORAGE_NAMES = ['s3', 'fs'];
const SERVICE_STATES = ['fresh', 'warm'];
const PEER_NAMES = ['pgloader', 'duckdb'];

/** `a,b` or `all` → the names, each checked against `known`. */
function listOf(flag: string, text: string, known: readonly string[]): string[] {
  const names = text === 'all' ? [...known] : text.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0 || names.length === 0)
    throw new Error(`${flag} takes ${known.join(', ')} or all (comma-separated), got "${text}"`);
  return names;
}

const UNITS: Record<string, number> = {
  b: 1,
  kib: 1024,
  mib: MIB,
  gib: GIB,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
};

export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kib|mib|gib|kb|mb|gb)?$/i.exec(text.trim());
  if (m === null) throw new Error(`cannot parse size "${text}" (try 1GiB, 512MiB, 100MB)`);
  const bytes = Math.round(Number(m[1]) * (UNITS[(m[2] ?? 'b').toLowerCase()] ?? 1));
  if (!Number.isFinite(bytes) || bytes <= 0) throw new Error(`size must be positive: "${text}"`);
  return bytes;
}

const positiveInt = (flag: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`${flag} wants a positive integer, got "${text}"`);
  return n;
};

export const USAGE = `usage: npm run bench -- [--size 1GiB] [--chunk 32MiB] [--loaders 2] [--prefetch 1]
                         [--s3 own|shared] [--keep] [--regen] [--timeout 3600] [--stall 180]
                         [--peers pgloader,duckdb|all] [--reference 1GiB|none] [--runtime bundle|tsx]
                         [--shape mixed|narrow|text|all] [--route put|multipart|tus|all]
                         [--schema inferred|declared|all] [--storage s3|fs|all] [--repeat 1]
                         [--services fresh|warm|all] [--cpu-prof]
  --peers <p>         also load the raw file with pgloader and/or DuckDB (into psql \\copy), each
                      timed and verified like the pipeline; a peer not installed is skipped
                      (--pgloader is --peers pgloader)
  --reference <size>  first run the same benchmark at <size> and report how the run scales;
                      default 1GiB when --size is at least 4GiB, else none ("none" skips it)
  --runtime <r>       bundle (default): the services as built by npm run build; tsx: their sources
  --shape, --route, --schema  the matrix to run (comma-separated lists or all; default
                      mixed, put, inferred); more than one run ends with a table of ratios
  --storage <s>       s3 (default: s3rver, see --s3), fs (STORAGE_BACKEND=fs, a directory), or all
  --repeat <n>        run the whole matrix n times, interleaved; the table then shows medians
  --services <s>      fresh (default): the measured job is the services' first; warm: a 16 MiB
                      job of the same shape and route goes through them first
  --cpu-prof          each service writes a V8 CPU profile to bench-data/logs/<run>/profiles/`;

/** From this --size on, a reference run is made by default. */
export const REFERENCE_FROM = 4 * GIB;

export function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = {
    size: GIB,
    chunk: 32 * MIB,
    loaders: 2,
    prefetch: 1,
    keep: false,
    regen: false,
    timeoutSeconds: 3600,
    stallSeconds: 180,
    s3: 'own',
    peers: [],
    reference: null,
    runtime: 'bundle',
    shapes: ['mixed'],
    routes: ['put'],
    schemas: ['inferred'],
    storages: ['s3'],
    services: ['fresh'],
    repeat: 1,
    cpuProf: false,
  };
  let reference: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') continue;
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    if (arg === '--keep') {
      args.keep = true;
      continue;
    }
    if (arg === '--regen') {
      args.regen = true;
      continue;
    }
    if (arg === '--pgloader') {
      if (!args.peers.includes('pgloader')) args.peers.push('pgloader');
      continue;
    }
    if (arg === '--cpu-prof') {
      args.cpuProf = true;
      continue;
    }
    // Both "--flag value" and "--flag=value".
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new Error(`missing value for ${flag}\n${USAGE}`);
    if (flag === '--size') args.size = parseSize(value);
    else if (flag === '--chunk') args.chunk = parseSize(value);
    else if (flag === '--loaders') args.loaders = positiveInt(flag, value);
    else if (flag === '--prefetch') args.prefetch = positiveInt(flag, value);
    else if (flag === '--timeout') args.timeoutSeconds = positiveInt(flag, value);
    else if (flag === '--stall') args.stallSeconds = positiveInt(flag, value);
    else if (flag === '--reference') reference = value;
    else if (flag === '--shape') args.shapes = listOf(flag, value, SHAPE_NAMES);
    else if (flag === '--route') args.routes = listOf(flag, value, ROUTE_NAMES);
    else if (flag === '--schema')
      args.schemas = listOf(flag, value, SCHEMA_NAMES) as BenchArgs['schemas'];
    else if (flag === '--storage')
      args.storages = listOf(flag, value, STORAGE_NAMES) as BenchArgs['storages'];
    else if (flag === '--services')
      args.services = listOf(flag, value, SERVICE_STATES) as BenchArgs['services'];
    else if (flag === '--repeat') args.repeat = positiveInt(flag, value);
    else if (flag === '--peers') args.peers = listOf(flag, value, PEER_NAMES);
    else if (flag === '--runtime') {
      if (value !== 'bundle' && value !== 'tsx')
        throw new Error(`--runtime wants bundle or tsx\n${USAGE}`);
      args.runtime = value;
    } else if (flag === '--s3') {
      if (value !== 'own' && value !== 'shared')
        throw new Error(`--s3 wants own or shared\n${USAGE}`);
      args.s3 = value;
    } else throw new Error(`unknown argument ${flag}\n${USAGE}`);
  }
  // Resolved after the loop: the default depends on --size, wherever it stands.
  if (reference === undefined) args.reference = args.size >= REFERENCE_FROM ? GIB : null;
  else if (reference.toLowerCase() === 'none') args.reference = null;
  else {
    args.reference = parseSize(reference);
    if (args.reference >= args.size)
      throw new Error(`--reference must be smaller than --size\n${USAGE}`);
  }
  return args;
}

/** 1073741824 → "1GiB", 33554432 → "32MiB", otherwise the byte count. */
export function sizeLabel(bytes: number): string {
  if (bytes % GIB === 0) return `${bytes / GIB}GiB`;
  if (bytes % MIB === 0) return `${bytes / MIB}MiB`;
  return `${bytes}B`;
}
