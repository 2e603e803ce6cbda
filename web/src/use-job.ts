import { useEffect, useState } from 'preact/hooks';
import type { Api, JobView } from './api';
import { followJob, isEnded } from './job-events';
import { addSample, ratePoints, samplesFromTimings, type RowSample } from './rate-series';

export interface LiveJob {
  view: JobView | null;
  error: string | null;
  /** Rows handled over time, for the rate chart. */
  samples: RowSample[];
}

const rowsOf = (v: JobView) => v.rows.loaded + v.rows.rejected;

/** Loads a job, then follows its event stream until it ends, sampling the row count. */
export function useJob(api: Api, id: string): LiveJob {
  const [state, setState] = useState<LiveJob>({ view: null, error: null, samples: [] });

  useEffect(() => {
    const abort = new AbortController();
    const take = (view: JobView) =>
      setState((s) => {
        const ended = isEnded(view);
        const times = {
          storedAt: view.timings.stored_at,
          plannedAt: view.timings.planned_at,
          loadingStartedAt: view.timings.loading_started_at,
          completedAt: ended ? (view.completed_at ?? view.updated_at) : null,
          rows: rowsOf(view),
        };
        // Before the first live sample: the start of loading (0 rows) from the timings.
        let samples = s.samples.length > 0 ? s.samples : samplesFromTimings(times);
        if (!ended && view.timings.loading_started_at !== null) {
          samples = addSample(samples, { at: Date.now(), rows: rowsOf(view) });
        } else if (ended) {
          samples = addSample(samples, {
            at: Date.parse(times.completedAt ?? ''),
            rows: rowsOf(view),
          });
          // Too few live updates to show a rate (a job that took a moment): the timings'.
          if (ratePoints(samples).length === 0) samples = samplesFromTimings(times);
        }
        return { view, error: null, samples };
      });
    api.getJob(id).then(
      (view) => {
        take(view);
        if (!isEnded(view)) void followJob(api, id, take, abort.signal);
      },
      (e: unknown) =>
        setState((s) => ({ ...s, error: e instanceof Error ? e.message : String(e) })),
    );
    return () => abort.abort();
  }, [api, id]);

  return state;
}
