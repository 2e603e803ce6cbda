import type { JobView } from '@ingest/contracts';
import { estimateSecondsLeft } from './estimate-completion';

const view = (over: Partial<JobView>): JobView => ({
  id: 'j',
  tenant: 't',
  status: 'loading',
  table: 't',
  file_name: null,
  webhook_url: null,
  bytes: 1000,
  bytes_scanned: null,
  sha256: null,
  dialect: { delimiter: ',', quote: '"', header: true, encoding: 'utf-8', compression: 'none' },
  chunks: { total: null, done: 1 },
  records: null,
  rows: { loaded: 0, rejected: 0 },
  progress: { bytes_done: 250, eta_seconds: null },
  timings: {
    stored_at: '2026-01-01T00:00:00Z',
    planned_at: null,
    loading_started_at: '2026-01-01T00:00:00Z',
  },
  load: { mode: 'append', key: null, atomic: false },
  object: { stored: true, expires_at: null },
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  ...over,
});

const at = (seconds: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + seconds * 1000);

describe('estimateSecondsLeft', () => {
  it('extrapolates the observed byte rate', () => {
    // 250 of 1000 bytes in 10 s → 750 bytes left at 25 B/s → 30 s
    expect(estimateSecondsLeft(view({}), at(10))).toBe(30);
  });
  it('prefers the scanned size once planning has measured it', () => {
    expect(estimateSecondsLeft(view({ bytes_scanned: 500 }), at(10))).toBe(10);
  });
  it.each<[string, Partial<JobView>]>([
    [
      'not loading yet',
      { timings: { stored_at: 'x', planned_at: null, loading_started_at: null } },
    ],
    ['nothing loaded', { progress: { bytes_done: 0, eta_seconds: null } }],
    ['completed', { status: 'completed' }],
    [
      'gzip before planning ends',
      { dialect: { delimiter: ',', quote: '"', header: true, compression: 'gzip' } },
    ],
    [
      'UTF-16 before planning ends',
      { dialect: { delimiter: ',', quote: '"', header: true, encoding: 'utf-16le' } },
    ],
  ])('is unknown when %s', (_name, over) => {
    expect(estimateSecondsLeft(view(over), at(10))).toBeNull();
  });
  it('never goes negative', () => {
    expect(estimateSecondsLeft(view({ bytes_scanned: 100 }), at(10))).toBe(0);
  });
});
