/** What the benchmark prints: progress lines, number formats, Markdown tables and the report. */

export const mb = (bytes: number): number => bytes / 1e6;
export const int = (n: number): string => n.toLocaleString('en-US');
export const sec = (s: number | undefined): string => (s === undefined ? '–' : s.toFixed(1));
export const perSecond = (n: number, s: number | undefined): number | undefined =>
  s === undefined || s <= 0 ? undefined : n / s;
/** MB/s of `bytes` over `s` seconds, for a table cell. */
export const rate = (bytes: number, s: number | undefined): string =>
  s === undefined || s <= 0 ? '–' : (mb(bytes) / s).toFixed(1);
export const rowRate = (rows: number, s: number | undefined): string => {
  const r = perSecond(rows, s);
  return r === undefined ? '–' : int(Math.round(r));
};
export const mib = (kib: number): string => (kib / 1024).toFixed(0);

/** A Markdown table: the first column left-aligned, the others right-aligned. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ];
}

/** Lines go to stdout and to report.txt. */
export class Report {
  readonly lines: string[] = [];
  add(...lines: string[]): void {
    for (const l of lines) {
      this.lines.push(l);
      console.log(l);
    }
  }
}

/** A progress line while the run goes. */
export function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** Local time as 20261203_162655, for run ids. */
export function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
