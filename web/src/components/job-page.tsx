import { useState } from 'preact/hooks';
import type { Api, JobView } from '../api';
import {
  delimiterName,
  formatBytes,
  formatCount,
  formatSeconds,
  formatTime,
  lineEndingName,
  secondsBetween,
} from '../format';
import { isEnded } from '../job-events';
import { useJob } from '../use-job';
import { ProgressBar } from './progress-bar';
import { RateChart } from './rate-chart';
import { RejectsTable } from './rejects-table';
import { StatusBadge } from './status-badge';

const ORDER: JobView['status'][] = ['received', 'stored', 'planned', 'loading', 'completed'];
const reached = (v: JobView, s: JobView['status']) =>
  v.status === 'completed' ||
  ORDER.indexOf(v.status) >= ORDER.indexOf(s) ||
  (isEnded(v) && s === 'stored');

/** One bar per stage: stored (upload), planned (scan into chunks), loaded (chunks committed). */
function Stages({ view }: { view: JobView }) {
  const planned = view.chunks.total !== null;
  const scanned = view.bytes_scanned ?? 0;
  return (
    <div class="stages">
      <ProgressBar
        id="stage-stored"
        label="Stored"
        value={reached(view, 'stored') ? 1 : 0}
        max={1}
        detail={formatBytes(view.bytes)}
      />
      {planned || isEnded(view) || view.status === 'received' ? (
        <ProgressBar
          id="stage-planned"
          label="Planned"
          value={planned ? 1 : 0}
          max={1}
          detail={planned ? `${formatCount(view.chunks.total ?? 0)} chunks` : ''}
        />
      ) : (
        <ProgressBar id="stage-planned" label="Planned" detail="scanning…" />
      )}
      <ProgressBar
        id="stage-loaded"
        label="Loaded"
        value={view.status === 'completed' ? 1 : scanned > 0 ? view.progress.bytes_done : 0}
        max={view.status === 'completed' ? 1 : scanned > 0 ? scanned : 1}
        detail={`${formatCount(view.chunks.done)} of ${view.chunks.total === null ? '?' : formatCount(view.chunks.total)} chunks`}
      />
    </div>
  );
}

function Timings({ view }: { view: JobView }) {
  const t = view.timings;
  const end = view.completed_at ?? (isEnded(view) ? view.updated_at : null);
  const rows: [string, string | null | undefined, number | null][] = [
    ['Created', view.created_at, null],
    ['Stored', t.stored_at, secondsBetween(view.created_at, t.stored_at)],
    ['Planned', t.planned_at, secondsBetween(t.stored_at, t.planned_at)],
    ['Loading began', t.loading_started_at, secondsBetween(t.planned_at, t.loading_started_at)],
    ['Ended', end, secondsBetween(t.loading_started_at, end)],
  ];
  return (
    <table class="kv">
      <caption>Timings</caption>
      <tbody>
        {rows.map(([label, at, took]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            <td>{formatTime(at)}</td>
            <td class="muted">{took === null ? '' : `+${formatSeconds(took)}`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface SchemaColumn {
  name: string;
  type: string;
  nullable?: boolean;
}

const columnsOf = (schema: unknown): SchemaColumn[] | null =>
  typeof schema === 'object' &&
  schema !== null &&
  'columns' in schema &&
  Array.isArray(schema.columns)
    ? (schema.columns as SchemaColumn[])
    : null;

function Schema({ view }: { view: JobView }) {
  const columns = columnsOf(view.schema);
  if (view.schema == null)
    return <p class="muted">The schema is known once the file is planned.</p>;
  return (
    <>
      {columns !== null && (
        <table class="kv">
          <caption>Schema ({view.schema_source ?? 'unknown source'})</caption>
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Type</th>
            </tr>
          </thead>
          <tbody>
            {columns.map((c) => (
              <tr key={c.name}>
                <th scope="row" class="mono">
                  {c.name}
                </th>
                <td class="mono">
                  {c.type}
                  {c.nullable === false ? ' not null' : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <details>
        <summary>Schema as JSON</summary>
        <pre>{JSON.stringify(view.schema, null, 2)}</pre>
      </details>
    </>
  );
}

/** One job: its stages, figures, rate chart, dialect, schema and rejected rows, live. */
export function JobPage({ api, id }: { api: Api; id: string }) {
  const { view, error, samples } = useJob(api, id);
  const [cancelError, setCancelError] = useState<string | null>(null);

  if (error !== null) {
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  }
  if (view === null) return <p>Loading…</p>;
  const d = view.dialect;
  const cancel = () =>
    api.cancelJob(id).then(
      () => setCancelError(null),
      (e: unknown) => setCancelError(e instanceof Error ? e.message : String(e)),
    );

  return (
    <>
      <p>
        <a href="#/">← All jobs</a>
      </p>
      <h1>
        {view.file_name ?? view.table} <StatusBadge status={view.status} />
      </h1>
      <p class="muted mono">{view.id}</p>
      {view.error !== undefined && (
        <p class="error" role="alert">
          {view.error.code}: {view.error.message}
        </p>
      )}
      <section class="card" aria-labelledby="progress-title">
        <h2 id="progress-title">Progress</h2>
        <Stages view={view} />
        <dl class="figures">
          <div>
            <dt>Time left</dt>
            <dd id="eta">
              {isEnded(view)
                ? 'done'
                : view.progress.eta_seconds === null
                  ? 'estimating…'
                  : formatSeconds(view.progress.eta_seconds)}
            </dd>
          </div>
          <div>
            <dt>Rows loaded</dt>
            <dd id="rows-loaded">{formatCount(view.rows.loaded)}</dd>
          </div>
          <div>
            <dt>Rows rejected</dt>
            <dd id="rows-rejected">{formatCount(view.rows.rejected)}</dd>
          </div>
          <div>
            <dt>Records</dt>
            <dd>{view.records === null ? '—' : formatCount(view.records)}</dd>
          </div>
          <div>
            <dt>Table</dt>
            <dd class="mono">{view.table}</dd>
          </div>
          <div>
            <dt>Mode</dt>
            <dd>
              {view.load.mode}
              {view.load.key !== null ? ` by ${view.load.key.join(', ')}` : ''}
              {view.load.atomic ? ', atomic' : ''}
            </dd>
          </div>
        </dl>
        {!isEnded(view) && (
          <button type="button" onClick={() => void cancel()}>
            Cancel job
          </button>
        )}
        {cancelError !== null && (
          <p class="error" role="alert">
            {cancelError}
          </p>
        )}
      </section>
      <section class="card" aria-labelledby="rate-title">
        <h2 id="rate-title">Rows per second</h2>
        <RateChart samples={samples} />
      </section>
      <div class="columns">
        <section class="card" aria-labelledby="details-title">
          <h2 id="details-title">Details</h2>
          <Timings view={view} />
          <table class="kv">
            <caption>Dialect</caption>
            <tbody>
              <tr>
                <th scope="row">Delimiter</th>
                <td>{d === null ? '—' : delimiterName(d.delimiter)}</td>
              </tr>
              <tr>
                <th scope="row">Quote</th>
                <td class="mono">{d?.quote ?? '—'}</td>
              </tr>
              <tr>
                <th scope="row">Header</th>
                <td>{d === null ? '—' : d.header ? 'yes' : 'no'}</td>
              </tr>
              <tr>
                <th scope="row">Line ending</th>
                <td>{lineEndingName(d?.line_ending)}</td>
              </tr>
              <tr>
                <th scope="row">Encoding</th>
                <td>{d?.encoding ?? '—'}</td>
              </tr>
              <tr>
                <th scope="row">Compression</th>
                <td>{d?.compression ?? '—'}</td>
              </tr>
            </tbody>
          </table>
        </section>
        <section class="card" aria-labelledby="schema-title">
          <h2 id="schema-title">Schema</h2>
          <Schema view={view} />
          {view.rejects_top !== undefined && view.rejects_top.length > 0 && (
            <table class="kv">
              <caption>Top reject reasons</caption>
              <tbody>
                {view.rejects_top.map((r) => (
                  <tr key={r.code}>
                    <th scope="row" class="mono">
                      {r.code}
                    </th>
                    <td class="num">{formatCount(r.count)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
      <RejectsTable api={api} id={id} total={view.rows.rejected} />
    </>
  );
}
