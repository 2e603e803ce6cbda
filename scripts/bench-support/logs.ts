/** Reading the services' pino logs (JSON lines; anything else, such as Node warnings, is skipped). */
import { existsSync, readFileSync } from 'node:fs';

export interface LogSummary {
  warnings: number;
  errors: number;
  /** "msg: err.message" of the first few error/fatal lines. */
  firstErrors: string[];
}

const WARN = 40;
const ERROR = 50;

export function scanLog(path: string, keep = 3): LogSummary {
  const summary: LogSummary = { warnings: 0, errors: 0, firstErrors: [] };
  if (!existsSync(path)) return summary;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { level?: number; msg?: string; err?: { message?: string } };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    const level = entry.level ?? 0;
    if (level >= ERROR) {
      summary.errors++;
      if (summary.firstErrors.length < keep) {
        summary.firstErrors.push(
          `${entry.msg ?? '(no msg)'}${entry.err?.message ? `: ${entry.err.message}` : ''}`,
        );
      }
    } else if (level >= WARN) {
      summary.warnings++;
    }
  }
  return summary;
}
