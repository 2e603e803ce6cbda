import { formatRate, formatSeconds } from '../format';
import { ratePoints, type RowSample } from '../rate-series';

const W = 480;
const H = 140;
const PAD = { left: 56, right: 8, top: 10, bottom: 24 };

/** Rows per second over the job's life, as a step line in an inline SVG. */
export function RateChart({ samples }: { samples: RowSample[] }) {
  const points = ratePoints(samples);
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (points.length === 0 || first === undefined || last === undefined) {
    return <p class="muted">The rate appears once rows are being loaded.</p>;
  }
  const peak = Math.max(...points.map((p) => p.rate), 1);
  const span = Math.max(last.at - first.at, 1);
  const total = last.rows - first.rows;
  const average = total / (span / 1000);
  const x = (at: number) => PAD.left + ((at - first.at) / span) * (W - PAD.left - PAD.right);
  const y = (rate: number) => H - PAD.bottom - (rate / peak) * (H - PAD.top - PAD.bottom);

  // Each interval's rate held from its start to its end.
  let path = `M ${x(first.at)} ${y(0)}`;
  let from = first.at;
  for (const p of points) {
    path += ` L ${x(from)} ${y(p.rate)} L ${x(p.at)} ${y(p.rate)}`;
    from = p.at;
  }
  path += ` L ${x(from)} ${y(0)}`;

  const summary = `Rows per second: peak ${formatRate(peak)}, average ${formatRate(average)} over ${formatSeconds(span / 1000)}`;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary}>
        <title>{summary}</title>
        <line class="axis" x1={PAD.left} y1={y(0)} x2={W - PAD.right} y2={y(0)} />
        <line class="axis" x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={y(0)} />
        <text class="tick" x={PAD.left - 6} y={y(peak) + 4} text-anchor="end">
          {formatRate(peak)}
        </text>
        <text class="tick" x={PAD.left - 6} y={y(0)} text-anchor="end">
          0
        </text>
        <text class="tick" x={W - PAD.right} y={H - 6} text-anchor="end">
          {formatSeconds(span / 1000)}
        </text>
        <path class="rate" d={path} />
      </svg>
      <figcaption class="muted">{summary}</figcaption>
    </figure>
  );
}
