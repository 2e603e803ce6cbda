/**
 * The first reason a run must stop early: a service or the storage peer died,
 * or SIGINT/SIGTERM arrived. Waits check it, so the run ends in its own cleanup
 * instead of hanging or being killed half-way.
 */
import type { ExitInfo, ServiceProcess } from '../bench-support/services';

export class CrashWatch {
  private reason: Error | undefined;
  private exitsExpected = false;

  get error(): Error | undefined {
    return this.reason;
  }

  /** Records a failure; the first one wins. */
  fail(error: Error): void {
    this.reason ??= error;
  }

  /** Throws the failure, if there is one. */
  check(): void {
    if (this.reason) throw this.reason;
  }

  /** Fails the run when `proc` exits before `expectExits()`. */
  watchExit(proc: ServiceProcess, describe: (info: ExitInfo) => string): void {
    void proc.exited.then((info) => {
      if (!this.exitsExpected) this.fail(new Error(describe(info)));
    });
  }

  /** From now on processes are being stopped: their exits are no failure. */
  expectExits(): void {
    this.exitsExpected = true;
  }

  /** `work`, unless a failure comes first (looked for every 100 ms). */
  async race<T>(work: Promise<T>): Promise<T> {
    let watch: NodeJS.Timeout | undefined;
    const failed = new Promise<never>((_, reject) => {
      watch = setInterval(() => {
        if (this.reason) reject(this.reason);
      }, 100);
    });
    const stopWatch = () => clearInterval(watch);
    work.then(stopWatch, stopWatch);
    failed.catch(stopWatch);
    return Promise.race([work, failed]);
  }

  /** SIGINT and SIGTERM fail the run (cleanup still runs); returns the function that removes this. */
  catchSignals(): () => void {
    const onSignal = (signal: string) => this.fail(new Error(`interrupted by ${signal}`));
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    return () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  }
}
