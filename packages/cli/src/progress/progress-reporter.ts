import type { JobView } from '@ingest/contracts';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { formatBytes, formatCount, formatDuration, formatRate } from '../format';
import { RateMeter } from './rate-meter';

/** What the upload command shows while bytes move and while the job loads (always on stderr). */
export interface ProgressReporter {
  upload(bytesSent: number, bytesTotal: number): void;
  load(job: JobView): void;
  /** A line above the bars (the job id as soon as it is known, a retry). */
  note(line: string): void;
  /** Draws the final state and releases the terminal. */
  stop(): void;
}

interface UploadLine {
  sent: number;
  total: number;
  rate: number;
  eta: number | null;
}

const uploadText = ({ sent, total, rate, eta }: UploadLine): string =>
  `${formatBytes(sent)} / ${formatBytes(total)}  ${formatRate(rate)}  ETA ${formatDuration(eta)}`;

/** Short enough for an 80-column terminal beside the bar. */
const loadText = (job: JobView): string => {
  const chunks =
    job.chunks.total === null ? 'planning' : `${job.chunks.done}/${job.chunks.total} chunks`;
  const rows = `${formatCount(job.rows.loaded)} rows loaded, ${formatCount(job.rows.rejected)} rejected`;
  return `${chunks}, ${rows}, ETA ${formatDuration(job.progress.eta_seconds)}`;
};

const percent = (done: number, total: number): number =>
  total <= 0 ? 0 : Math.floor((done * 100) / total);

/** Two bars redrawn in place: bytes uploaded, then chunks and rows loaded. */
export class TtyProgress implements ProgressReporter {
  private readonly bars: MultiBar;
  private uploadBar: SingleBar | null = null;
  private loadBar: SingleBar | null = null;
  private readonly meter = new RateMeter();

  constructor(stream: NodeJS.WriteStream) {
    this.bars = new MultiBar(
      {
        stream,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        barsize: 20,
        format: '{label} {bar} {percentage}% {text}',
      },
      Presets.shades_classic,
    );
  }

  upload(sent: number, total: number): void {
    this.meter.add(sent);
    const text = uploadText({ sent, total, rate: this.meter.rate(), eta: this.meter.eta(total) });
    if (this.uploadBar === null) {
      this.uploadBar = this.bars.create(total, sent, { label: 'upload', text });
    } else {
      this.uploadBar.setTotal(total);
      this.uploadBar.update(sent, { text });
    }
  }

  load(job: JobView): void {
    // Before planning the chunk count is unknown: 0 of 1, not 0 of 0 (which draws as 100 %).
    const total = job.chunks.total ?? 1;
    const text = loadText(job);
    if (this.loadBar === null) {
      this.loadBar = this.bars.create(total, job.chunks.done, { label: 'load  ', text });
    } else {
      this.loadBar.setTotal(total);
      this.loadBar.update(job.chunks.done, { text });
    }
  }

  note(line: string): void {
    this.bars.log(`${line}\n`);
  }

  stop(): void {
    this.bars.stop();
  }
}

/**
 * Plain lines for a log or a pipe (stderr is not a terminal): at most one per interval
 * for each stage, and always the last state.
 */
export class LineProgress implements ProgressReporter {
  private readonly meter: RateMeter;
  private lastUploadAt = -Infinity;
  private lastUpload: string | null = null;
  private uploadPrinted: string | null = null;
  private lastLoadAt = -Infinity;
  private lastLoad: string | null = null;
  private loadPrinted: string | null = null;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly intervalMs = 1000,
    private readonly now: () => number = Date.now,
  ) {
    this.meter = new RateMeter(5000, now);
  }

  upload(sent: number, total: number): void {
    this.meter.add(sent);
    const line = `upload ${percent(sent, total)}% ${uploadText({ sent, total, rate: this.meter.rate(), eta: this.meter.eta(total) })}`;
    this.lastUpload = line;
    if (sent >= total || this.now() - this.lastUploadAt >= this.intervalMs) this.flushUpload();
  }

  load(job: JobView): void {
    const total = job.chunks.total ?? 0;
    const line = `load ${percent(job.chunks.done, total)}% ${loadText(job)}`;
    this.lastLoad = line;
    if (line !== this.loadPrinted && this.now() - this.lastLoadAt >= this.intervalMs) {
      this.flushLoad();
    }
  }

  note(line: string): void {
    this.stream.write(`${line}\n`);
  }

  stop(): void {
    this.flushUpload();
    this.flushLoad();
  }

  private flushUpload(): void {
    if (this.lastUpload === null || this.lastUpload === this.uploadPrinted) return;
    this.stream.write(`${this.lastUpload}\n`);
    this.uploadPrinted = this.lastUpload;
    this.lastUploadAt = this.now();
  }

  private flushLoad(): void {
    if (this.lastLoad === null || this.lastLoad === this.loadPrinted) return;
    this.stream.write(`${this.lastLoad}\n`);
    this.loadPrinted = this.lastLoad;
    this.lastLoadAt = this.now();
  }
}

/** `--quiet`: nothing on stderr but errors. */
export class NoProgress implements ProgressReporter {
  upload(): void {}
  load(): void {}
  note(): void {}
  stop(): void {}
}

export function progressFor(stream: NodeJS.WriteStream, quiet: boolean): ProgressReporter {
  if (quiet) return new NoProgress();
  return stream.isTTY === true ? new TtyProgress(stream) : new LineProgress(stream);
}
