import { useEffect, useState } from 'preact/hooks';
import type { Api, RejectsPage } from '../api';

const PAGE = 25;

/** A job's rejected records, a page at a time (cursors kept to go back), and the CSV. */
export function RejectsTable({ api, id, total }: { api: Api; id: string; total: number }) {
  // cursors[i] opens page i (undefined: the first).
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<RejectsPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const index = cursors.length - 1;

  useEffect(() => {
    api.listRejects(id, PAGE, cursors[index]).then(
      (p) => {
        setPage(p);
        setError(null);
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, [api, id, cursors, total]);

  const download = async () => {
    try {
      const blob = await api.rejectsCsv(id);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `${id}-rejects.csv`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <section class="card" aria-labelledby="rejects-title">
      <h2 id="rejects-title">Rejected rows</h2>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {page === null ? (
        <p>Loading…</p>
      ) : page.rejects.length === 0 && index === 0 ? (
        <p>No rejected rows.</p>
      ) : (
        <>
          <div class="scroll">
            <table class="rejects">
              <caption class="visually-hidden">Rejected rows, page {index + 1}</caption>
              <thead>
                <tr>
                  <th scope="col" class="num">
                    Line
                  </th>
                  <th scope="col">Column</th>
                  <th scope="col">Code</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Record</th>
                </tr>
              </thead>
              <tbody>
                {page.rejects.map((r) => (
                  <tr key={`${r.line}:${r.byte_offset}`}>
                    <td class="num">{r.line}</td>
                    <td>{r.column ?? '—'}</td>
                    <td class="mono">{r.code}</td>
                    <td>{r.message}</td>
                    <td class="mono raw">{r.raw}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="pager" role="group" aria-label="Rejected rows pages">
            <button
              type="button"
              disabled={index === 0}
              onClick={() => setCursors((c) => c.slice(0, -1))}
            >
              Previous page
            </button>
            <span aria-live="polite">Page {index + 1}</span>
            <button
              type="button"
              disabled={page.next_cursor === null}
              onClick={() =>
                page.next_cursor !== null &&
                setCursors((c) => [...c, page.next_cursor ?? undefined])
              }
            >
              Next page
            </button>
          </div>
        </>
      )}
      <button type="button" onClick={() => void download()} disabled={total === 0}>
        Download rejected rows (CSV)
      </button>
    </section>
  );
}
