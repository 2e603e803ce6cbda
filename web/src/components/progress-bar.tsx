/** A labelled native progress bar; without `max` it shows activity of unknown length. */
export function ProgressBar(props: {
  id: string;
  label: string;
  value?: number;
  max?: number;
  detail?: string;
}) {
  const { id, label, value, max, detail } = props;
  const known = value !== undefined && max !== undefined && max > 0;
  const percent = known ? Math.min(100, Math.floor((value / max) * 100)) : null;
  return (
    <div class="bar">
      <label for={id}>
        <span>{label}</span>
        <span class="muted">
          {detail ?? ''}
          {percent !== null ? ` ${percent} %` : ''}
        </span>
      </label>
      {known ? <progress id={id} value={value} max={max} /> : <progress id={id} />}
    </div>
  );
}
