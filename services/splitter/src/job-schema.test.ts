import { inferSchema } from '@ingest/normalize';
import { sampleRecords } from './job-schema';
import type { ObjectSamples } from './object-samples';

const dialect = { delimiter: ';', quote: '"', header: true, encoding: 'utf-8' } as const;

/** Records whose quoted text holds line breaks, semicolons and doubled quotes (seeded). */
function file(rows: number): string {
  const words = ['alpha', '""quoted""', 'beta;gamma', 'x'.repeat(80), 'line\nbreak', 'ok'];
  let seed = 3;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  let text = 'id;body;n\n';
  for (let i = 1; i <= rows; i++) {
    const body = Array.from({ length: 1 + next(12) }, () => words[next(words.length)]);
    text += `${i};"${body.join(' ')}";${i * 2}\n`;
  }
  return text;
}

/** The head plus pieces cut at `cuts` (byte offsets), as readSamples takes them. */
function samples(text: string, cuts: number[], bytes = 4096): ObjectSamples {
  const buf = Buffer.from(text);
  const head = buf.subarray(0, bytes);
  return { head, all: [head, ...cuts.map((at) => buf.subarray(at, at + bytes))], endsFile: false };
}

describe('sampleRecords', () => {
  const text = file(2000);
  const width = 3;

  it('reads a sample cut inside a quoted line break in step, whichever side of a quote the cut fell', () => {
    // Every offset of one stretch of the file: cuts inside and outside quoted fields.
    const from = Math.floor(text.length / 2);
    for (let at = from; at < from + 400; at++) {
      const rows = sampleRecords(samples(text, [at]), text.length, dialect, width);
      const ids = rows.map((r) => r[0]);
      expect(ids.every((id) => /^\d+$/.test(id ?? ''))).toBe(true);
      expect(inferSchema(['id', 'body', 'n'], rows).schema.columns[0]?.type).toBe('integer');
    }
  });

  it('keeps a cut sample without quotes as read from its first line break', () => {
    const plain = `id;n\n${Array.from({ length: 3000 }, (_, i) => `${i};${i * 2}`).join('\n')}\n`;
    const rows = sampleRecords(samples(plain, [5000]), plain.length, dialect, 2);
    expect(rows.length).toBeGreaterThan(800);
    expect(rows.every((r) => r.length === 2 && /^\d+$/.test(r[0] ?? ''))).toBe(true);
  });
});
