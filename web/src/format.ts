const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** 2.34 → "2.3 s"; 75 → "1 min 15 s"; 3700 → "1 h 2 min". */
export function formatSeconds(total: number): string {
  if (total < 10) return `${Math.max(0, total).toFixed(1)} s`;
  const s = Math.round(total);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${Math.round(perSecond)}/s`;
}

export const formatTime = (iso: string | null | undefined): string =>
  iso == null ? '—' : new Date(iso).toLocaleString();

/** Seconds between two ISO times, or null when one is missing. */
export function secondsBetween(from: string | null | undefined, to: string | null | undefined) {
  if (from == null || to == null) return null;
  return (Date.parse(to) - Date.parse(from)) / 1000;
}

/** A table name from a file name, as the server would make it (lower case, a-z0-9_). */
export function tableNameOf(fileName: string): string {
  const base = fileName.replace(/\.(csv|tsv|txt)(\.gz)?$/i, '').replace(/\.gz$/i, '');
  const name = base
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[a-z_]/.test(name) ? name.slice(0, 63) : `t_${name}`.slice(0, 63);
}

const DELIMITER_NAMES: Record<string, string> = {
  ',': 'comma',
  ';': 'semicolon',
  '\t': 'tab',
  '|': 'pipe',
};
export const delimiterName = (d: string): string => DELIMITER_NAMES[d] ?? JSON.stringify(d);

const LINE_ENDINGS: Record<string, string> = { '\n': 'LF', '\r\n': 'CRLF', '\r': 'CR' };
export const lineEndingName = (e: string | undefined): string =>
  e === undefined ? '—' : (LINE_ENDINGS[e] ?? JSON.stringify(e));
