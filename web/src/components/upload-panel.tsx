import { useEffect, useState } from 'preact/hooks';
import type { Api, DatasetView } from '../api';
import { formatBytes, formatSeconds, tableNameOf } from '../format';
import { jobHref } from '../route';
import type { UploadOptions } from '../upload/upload-transport';
import type { Uploads } from '../upload/use-uploads';
import { ProgressBar } from './progress-bar';

/** Choose a file (drop it or pick it), set the job's options, upload with a progress bar. */
export function UploadPanel({ api, uploads }: { api: Api; uploads: Uploads }) {
  const [file, setFile] = useState<File | null>(null);
  const [dragging, setDragging] = useState(false);
  const [options, setOptions] = useState<UploadOptions>({
    table: '',
    mode: 'append',
    key: '',
    dataset: '',
  });
  const [datasets, setDatasets] = useState<DatasetView[]>([]);

  useEffect(() => {
    api.listDatasets().then(setDatasets, () => setDatasets([]));
  }, [api]);

  const choose = (f: File | undefined) => {
    if (f === undefined) return;
    setFile(f);
    setOptions((o) => ({ ...o, table: tableNameOf(f.name) }));
  };
  const set = <K extends keyof UploadOptions>(k: K, v: UploadOptions[K]) =>
    setOptions((o) => ({ ...o, [k]: v }));

  const submit = (e: Event) => {
    e.preventDefault();
    if (file === null) return;
    uploads.start(file, options);
    setFile(null);
  };

  return (
    <section class="card" aria-labelledby="upload-title">
      <h2 id="upload-title">Upload a CSV file</h2>
      <form onSubmit={submit}>
        <label
          class={`drop${dragging ? ' dragging' : ''}`}
          for="file"
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            choose(e.dataTransfer?.files[0]);
          }}
        >
          <span>
            {file === null
              ? 'Drop a file here, or choose one'
              : `${file.name} (${formatBytes(file.size)})`}
          </span>
          <input
            id="file"
            name="file"
            type="file"
            accept=".csv,.tsv,.txt,.gz,text/csv"
            onChange={(e) => choose(e.currentTarget.files?.[0])}
          />
        </label>
        <div class="fields">
          <div>
            <label for="table">Table</label>
            <input
              id="table"
              name="table"
              value={options.table}
              placeholder="from the file name"
              onInput={(e) => set('table', e.currentTarget.value)}
            />
          </div>
          <div>
            <label for="mode">Mode</label>
            <select
              id="mode"
              name="mode"
              value={options.mode}
              onChange={(e) => set('mode', e.currentTarget.value as UploadOptions['mode'])}
            >
              <option value="append">append</option>
              <option value="upsert">upsert</option>
              <option value="replace">replace</option>
            </select>
          </div>
          {options.mode !== 'append' && (
            <div>
              <label for="key">Key columns</label>
              <input
                id="key"
                name="key"
                value={options.key}
                placeholder="id,email"
                required={options.mode === 'upsert'}
                onInput={(e) => set('key', e.currentTarget.value)}
              />
            </div>
          )}
          <div>
            <label for="dataset">Dataset</label>
            <select
              id="dataset"
              name="dataset"
              value={options.dataset}
              onChange={(e) => set('dataset', e.currentTarget.value)}
            >
              <option value="">none (infer the schema)</option>
              {datasets.map((d) => (
                <option key={d.name} value={d.name}>
                  {d.name}
                </option>
              ))}
            </select>
          </div>
        </div>
        <button type="submit" disabled={file === null}>
          Upload
        </button>
      </form>
      {uploads.list.length > 0 && (
        <ul class="uploads" aria-label="Uploads">
          {uploads.list.map((u) => {
            const seconds = (Date.now() - u.startedAt) / 1000;
            const rate = seconds > 0 ? u.sent / seconds : 0;
            const eta = rate > 0 && u.status === 'uploading' ? (u.total - u.sent) / rate : null;
            return (
              <li key={u.n}>
                <ProgressBar
                  id={`upload-${u.n}`}
                  label={`${u.fileName} (${u.transport === 'tus' ? 'resumable' : 'single request'})`}
                  value={u.sent}
                  max={u.total}
                  detail={`${formatBytes(u.sent)} of ${formatBytes(u.total)}, ${formatBytes(rate)}/s${eta !== null ? `, ${formatSeconds(eta)} left` : ''}`}
                />
                <p class="muted" role="status">
                  {u.status === 'uploading' && 'Uploading…'}
                  {u.status === 'stored' && 'Stored. '}
                  {u.status === 'failed' && <span class="error">Failed: {u.error}</span>}
                  {u.jobId !== null && <a href={jobHref(u.jobId)}> Open the job</a>}
                  {u.status === 'uploading' && (
                    <button type="button" class="link" onClick={() => uploads.abort(u.n)}>
                      Stop
                    </button>
                  )}
                </p>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
