/** Rows handled (loaded + rejected) at a moment (ms since the epoch). */
export interface RowSample {
  at: number;
  rows: number;
}

/** Rows per second over one interval, at its end. */
export interface RatePoint {
  at: number;
  rate: number;
}

const MAX_SAMPLES = 600;

/** Appends a sample; a sample that goes back in time or in rows is dropped. */
export function addSample(samples: readonly RowSample[], next: RowSample): RowSample[] {
  const last = samples[samples.length - 1];
  if (last !== undefined && (next.at <= last.at || next.rows < last.rows)) return [...samples];
  return [...samples, next].slice(-MAX_SAMPLES);
}

/** The rate between consecutive samples (each interval's rows over its seconds). */
export function ratePoints(samples: readonly RowSample[]): RatePoint[] {
  const points: RatePoint[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    if (a === undefined || b === undefined) continue;
    const seconds = (b.at - a.at) / 1000;
    if (seconds > 0) points.push({ at: b.at, rate: (b.rows - a.rows) / seconds });
  }
  return points;
}

/** Timings of a job as the API gives them (ISO strings). */
export interface JobTimes {
  /** When the job was recorded (its upload stored, or begun for one that loads as it arrives). */
  storedAt: string;
  plannedAt: string | null;
  loadingStartedAt: string | null;
  completedAt: string | null | undefined;
  rows: number;
}

/**
 * The samples the timings alone give: none before loading began; from the start of
 * loading (0 rows) to the end (all rows) for an ended job. A job small enough to load in
 * one step records its loading start at its end, and may finish its plan in that step
 * too: its rate is then taken from planning on, or from when it was stored.
 * An ended job that never loaded a row has no rate.
 * Live updates add the samples in between.
 */
export function samplesFromTimings(t: JobTimes): RowSample[] {
  if (t.completedAt == null) {
    return t.loadingStartedAt === null ? [] : [{ at: Date.parse(t.loadingStartedAt), rows: 0 }];
  }
  // An ended job that loaded rows without a recorded loading start still has a rate.
  if (t.loadingStartedAt === null && t.rows === 0) return [];
  const end = Date.parse(t.completedAt);
  const start = [t.loadingStartedAt, t.plannedAt, t.storedAt]
    .filter((at): at is string => at !== null)
    .map((at) => Date.parse(at))
    .find((at) => at < end);
  return start === undefined
    ? []
    : [
        { at: start, rows: 0 },
        { at: end, rows: t.rows },
      ];
}
