import parsePrometheusTextFormat from 'parse-prometheus-text-format';

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
// Values as Go's ParseFloat reads them, so NaN and Inf in any case: prom-client writes the
// event-loop lag as `Nan` until its first sample, and Prometheus takes it.
const VALUE =
  '(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]?[Ii][Nn][Ff]|[Nn][Aa][Nn])';
const SAMPLE = new RegExp(
  `^(${NAME})(?:\\{(?:${LABEL}(?:,${LABEL})*,?)?\\})? ${VALUE}(?: -?\\d+)?$`,
);
const HELP = new RegExp(`^# HELP (${NAME}) (?:[^\\\\\\n]|\\\\[\\\\n])*$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

/** The family a sample belongs to: histogram and summary series carry a suffix. */
const familyOf = (sample: string, types: Map<string, string>): string | undefined => {
  if (types.has(sample)) return sample;
  const base = sample.replace(/_(bucket|sum|count)$/, '');
  return ['histogram', 'summary'].includes(types.get(base) ?? '') ? base : undefined;
};

export interface MetricFamily {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string> }[];
}

/**
 * Checks a text exposition (format 0.0.4) line by line against the format's grammar —
 * every sample after its family's TYPE, a family declared once, no series twice, the
 * text ending in a newline — then parses it with an independent parser library.
 * Throws naming the first offending line.
 */
export function parseExposition(text: string): Map<string, MetricFamily> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const types = new Map<string, string>();
  const series = new Set<string>();
  text
    .slice(0, -1)
    .split('\n')
    .forEach((line, i) => {
      const where = `line ${i + 1}: ${line}`;
      const type = TYPE.exec(line);
      if (type) {
        if (types.has(type[1] ?? '')) throw new Error(`${where}: a second TYPE`);
        types.set(type[1] ?? '', type[2] ?? '');
        return;
      }
      if (line.startsWith('# HELP ')) {
        if (!HELP.test(line)) throw new Error(`${where}: malformed HELP`);
        return;
      }
      // Empty lines are allowed between families (the format ignores them).
      if (line === '' || line.startsWith('#')) return;
      const sample = SAMPLE.exec(line);
      if (!sample) throw new Error(`${where}: not a sample`);
      if (familyOf(sample[1] ?? '', types) === undefined) {
        throw new Error(`${where}: no TYPE declared before it`);
      }
      const key = line.replace(/ \S+( -?\d+)?$/, '');
      if (series.has(key)) throw new Error(`${where}: the same series twice`);
      series.add(key);
    });
  const families = parsePrometheusTextFormat(text) as MetricFamily[];
  return new Map(families.map((f) => [f.name, f]));
}

/** The value of a counter or gauge series with exactly these labels (0 when absent). */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const family = families.get(name);
  const found = family?.metrics.find((m) =>
    Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
  );
  return Number(found?.value ?? 0);
}

/** The observations of a histogram: its `+Inf` bucket, summed over its series. */
export function histogramCount(families: Map<string, MetricFamily>, name: string): number {
  const family = families.get(name);
  return family?.metrics.reduce((n, m) => n + Number(m.buckets?.['+Inf'] ?? 0), 0) ?? 0;
}
