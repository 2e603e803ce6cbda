/**
 * Bytes per second over the last few seconds (not since the start), so the rate and the
 * ETA follow a link that speeds up or stalls.
 */
export class RateMeter {
  private samples: { at: number; value: number }[] = [];

  constructor(
    private readonly windowMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  add(value: number): void {
    const at = this.now();
    this.samples.push({ at, value });
    while (this.samples.length > 2 && at - (this.samples[1]?.at ?? at) >= this.windowMs) {
      this.samples.shift();
    }
  }

  /** Units per second; 0 until two samples are at least 100 ms apart. */
  rate(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (first === undefined || last === undefined || last.at - first.at < 100) return 0;
    return ((last.value - first.value) * 1000) / (last.at - first.at);
  }

  /** Seconds until `total` at the current rate; null while the rate is unknown. */
  eta(total: number): number | null {
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && last.value >= total) return 0;
    const rate = this.rate();
    if (last === undefined || rate <= 0) return null;
    return Math.max(0, (total - last.value) / rate);
  }
}
