import { cellType } from './cell-type';
import type { LineEnding } from './csv-syntax';
import { detectHeader } from './detect-header';
import { readSampleRecords, type SampleRecord } from './sample-reader';

export interface SniffedDialect {
  delimiter: string;
  quote: string;
  header: boolean;
  lineEnding: LineEnding;
  /**
   * 0–1: the share of sampled records whose field count is the chosen
   * dialect's usual count; 0.5 at most from a single record, 0 when no
   * candidate split records into more than one field (or nothing was read).
   */
  confidence: number;
}

export type DialectHints = Partial<{ delimiter: string; quote: string; header: boolean }>;

/** In order of preference when the evidence is otherwise equal. */
const DELIMITERS = [',', ';', '\t', '|'];
const QUOTES = ['"', "'"];
/** Records read per sample and candidate: bounds the work, plenty for a verdict. */
const MAX_RECORDS = 2000;
/** Scores closer than this are a tie, decided by the next criterion. */
const TIE = 0.01;

interface Candidate {
  delimiter: string;
  quote: string;
  /** Records of each sample; the head's first record is the header candidate. */
  samples: SampleRecord[][];
  consistency: number;
  width: number;
  typed: number;
  quotedFields: number;
  records: number;
}

/**
 * Guesses delimiter, quote, header and line ending from UTF-8 samples taken
 * at several places of a file: the head first (it starts at a record), then
 * pieces cut anywhere, whose partial first and last lines are dropped.
 *
 * Every delimiter × quote pair splits all samples with the sample reader, by
 * the rules the loaders read the file with (quotes only at field starts). The winner has the most consistent field
 * count across all samples (above 1); ties go to the pair under which more
 * cells are typed (a decimal comma makes `1,5;2,75` two numbers under `;`, but
 * text under `,`), then to the one with more cleanly quoted fields, then to
 * the order `,` `;` tab `|` and `"` `'`. `'` is a candidate only where it
 * quotes a field somewhere in the samples: a `"` that never closes must not
 * make `'` win, which would load the header as a row. Forced values are not sniffed.
 */
export function sniffDialect(samples: Buffer[], forced: DialectHints): SniffedDialect {
  const candidates: Candidate[] = [];
  // A delimiter or quote that occurs in no sample splits nothing: its candidates could only
  // tie the defaults, so reading the samples under them (most of the sniff's time) is skipped.
  const present = (c: string) => samples.some((s) => s.includes(c.charCodeAt(0)));
  for (const delimiter of forced.delimiter === undefined ? DELIMITERS : [forced.delimiter]) {
    if (forced.delimiter === undefined && !present(delimiter)) continue;
    for (const quote of forced.quote === undefined ? QUOTES : [forced.quote]) {
      if (delimiter === quote) continue;
      if (forced.quote === undefined && quote !== '"' && !present(quote)) continue;
      const candidate = evaluate(samples, delimiter, quote);
      // `"` is the default; another quote must be seen quoting a field to be chosen.
      if (forced.quote === undefined && quote !== '"' && candidate.quotedFields === 0) continue;
      candidates.push(candidate);
    }
  }
  const best = candidates.reduce<Candidate | undefined>(
    (a, b) => (a === undefined || better(b, a) ? b : a),
    undefined,
  );
  const chosen = best !== undefined && (best.width > 1 || forced.delimiter !== undefined);
  const delimiter = chosen ? best.delimiter : (forced.delimiter ?? ',');
  const quote = chosen ? best.quote : (forced.quote ?? '"');
  const picked = chosen ? best : evaluate(samples, delimiter, quote);

  const [head = [], ...rest] = picked.samples;
  const [first, ...others] = head;
  const header =
    forced.header ??
    (first === undefined ||
      detectHeader(
        first.fields,
        [...others, ...rest.flat()].map((r) => r.fields),
      ));
  const confidence =
    !chosen || picked.width <= 1 ? 0 : picked.consistency * Math.min(1, picked.records / 2);
  return { delimiter, quote, header, lineEnding: lineEnding(picked.samples), confidence };
}

function evaluate(buffers: Buffer[], delimiter: string, quote: string): Candidate {
  const syntax = { delimiter: delimiter.charCodeAt(0), quote: quote.charCodeAt(0) };
  // The head starts at a record and is kept whole (it may be the whole file); every
  // other piece was cut from the file and loses its partial first and last lines.
  const samples = buffers.map((sample, i) =>
    readSampleRecords(sample, syntax, { cutStart: i > 0, cutEnd: i > 0, maxRecords: MAX_RECORDS }),
  );
  const all = samples.flat();
  const widths = new Map<number, number>();
  let typed = 0;
  let filled = 0;
  let quotedFields = 0;
  for (const { fields, quotedFields: quoted } of all) {
    widths.set(fields.length, (widths.get(fields.length) ?? 0) + 1);
    quotedFields += quoted;
    for (const f of fields) {
      const type = cellType(f);
      if (type === 'empty') continue;
      filled++;
      if (type !== 'text') typed++;
    }
  }
  let width = 0;
  let count = 0;
  for (const [w, n] of widths) {
    if (n > count || (n === count && w > width)) [width, count] = [w, n];
  }
  return {
    delimiter,
    quote,
    samples,
    consistency: all.length === 0 ? 0 : count / all.length,
    width,
    typed: filled === 0 ? 0 : typed / filled,
    quotedFields,
    records: all.length,
  };
}

/** Whether `a` beats `b`; candidates arrive in preference order, so equal evidence keeps `b`. */
function better(a: Candidate, b: Candidate): boolean {
  if (a.width > 1 !== b.width > 1) return a.width > 1;
  if (Math.abs(a.consistency - b.consistency) > TIE) return a.consistency > b.consistency;
  if (Math.abs(a.typed - b.typed) > TIE) return a.typed > b.typed;
  return a.quotedFields > b.quotedFields;
}

function lineEnding(samples: SampleRecord[][]): LineEnding {
  const counts: Record<LineEnding, number> = { '\n': 0, '\r\n': 0, '\r': 0 };
  for (const r of samples.flat()) if (r.terminator !== '') counts[r.terminator]++;
  // On a tie the order below wins; no terminator at all reads as LF.
  const order: LineEnding[] = ['\n', '\r\n', '\r'];
  return order.reduce((a, b) => (counts[b] > counts[a] ? b : a));
}
