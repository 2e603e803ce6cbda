import { useEffect, useState } from 'preact/hooks';
import type { Api, JobView } from '../api';
import { formatCount, formatTime } from '../format';
import { followJob, isEnded } from '../job-events';
import { overallProgress } from '../job-progress';
import { jobHref } from '../route';
import type { Uploads } from '../upload/use-uploads';
import { StatusBadge } from './status-badge';
import { UploadPanel } from './upload-panel';

/** Running jobs followed over their own event streams; the rest refresh with the list. */
const LIVE_STREAMS = 4;
const LIST_REFRESH_MS = 5000;

/** The list's view of a job, kept current by its event stream while `live`. */
function JobRow({ api, job, live }: { api: Api; job: JobView; live: boolean }) {
  const [view, setView] = useState(job);
  useEffect(() => {
    setView((v) => (Date.parse(job.updated_at) >= Date.parse(v.updated_at) ? job : v));
  }, [job]);
  useEffect(() => {
    if (!live || isEnded(job)) return;
    const abort = new AbortController();
    void followJob(api, job.id, setView, abort.signal);
    return () => abort.abort();
  }, [api, job.id, live]);

  const progress = overallProgress(view);
  return (
    <tr>
      <td>
        <a href={jobHref(view.id)}>{view.file_name ?? view.table}</a>
        <div class="muted mono">{view.id.slice(0, 8)}</div>
      </td>
      <td>{view.table}</td>
      <td>
        <StatusBadge status={view.status} />
      </td>
      <td>
        {progress === null ? (
          <progress aria-label={`progress of ${view.file_name ?? view.table}`} />
        ) : (
          <progress
            aria-label={`progress of ${view.file_name ?? view.table}`}
            value={progress}
            max={1}
          />
        )}
      </td>
      <td class="num">{formatCount(view.rows.loaded)}</td>
      <td class="num">{formatCount(view.rows.rejected)}</td>
      <td>{formatTime(view.created_at)}</td>
    </tr>
  );
}

/** The tenant's jobs, newest first, with the upload form above them. */
export function JobsPage({ api, uploads }: { api: Api; uploads: Uploads }) {
  const [jobs, setJobs] = useState<JobView[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  // The first page refreshes, so new jobs (from this tab or elsewhere) appear.
  useEffect(() => {
    let stopped = false;
    const refresh = () =>
      api.listJobs(50).then(
        (page) => {
          if (stopped) return;
          setError(null);
          setJobs((old) => {
            const more = (old ?? []).slice(50).filter((j) => !page.jobs.some((p) => p.id === j.id));
            return [...page.jobs, ...more];
          });
          setNext((n) => n ?? page.next_cursor);
        },
        (e: unknown) => !stopped && setError(e instanceof Error ? e.message : String(e)),
      );
    void refresh();
    const timer = setInterval(() => void refresh(), LIST_REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [api, uploads.list.length]);

  const loadMore = async () => {
    if (next === null) return;
    const page = await api.listJobs(50, next);
    setJobs((old) => [...(old ?? []), ...page.jobs]);
    setNext(page.next_cursor);
  };

  const liveIds = new Set(
    (jobs ?? [])
      .filter((j) => !isEnded(j))
      .slice(0, LIVE_STREAMS)
      .map((j) => j.id),
  );

  return (
    <>
      <h1>Jobs</h1>
      <UploadPanel api={api} uploads={uploads} />
      <section class="card" aria-labelledby="jobs-title">
        <h2 id="jobs-title">Your jobs</h2>
        {error !== null && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {jobs === null ? (
          <p>Loading…</p>
        ) : jobs.length === 0 ? (
          <p>No jobs yet: upload a file above.</p>
        ) : (
          <table class="jobs">
            <caption class="visually-hidden">Jobs, newest first</caption>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Table</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col" class="num">
                  Rows loaded
                </th>
                <th scope="col" class="num">
                  Rejected
                </th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((job) => (
                <JobRow key={job.id} api={api} job={job} live={liveIds.has(job.id)} />
              ))}
            </tbody>
          </table>
        )}
        {next !== null && (
          <button type="button" onClick={() => void loadMore()}>
            More jobs
          </button>
        )}
      </section>
    </>
  );
}
