// A clock for tests: time moves only when the test says so (advance), or, with `auto`, by exactly what
// each sleep asks for. Timeouts and deadlines written against Clock then fire without waiting for them.
import type { Clock } from '../io.js';

interface Sleeper {
  until: number;
  ms: number;
  resolve: () => void;
}

export class FakeClock implements Clock {
  private t: number;
  private sleepers: Sleeper[] = [];

  constructor(
    start = Date.parse('2025-01-15T10:30:00Z'),
    private readonly opts: { auto?: boolean } = {},
  ) {
    this.t = start;
  }

  now(): Date {
    return new Date(this.t);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    if (this.opts.auto) {
      this.t += ms;
      // A real turn of the event loop, so the I/O the sleeper waits between gets to run.
      return new Promise((r) => setTimeout(r, 2));
    }
    return new Promise((resolve) => {
      const s: Sleeper = { until: this.t + ms, ms, resolve };
      this.sleepers.push(s);
      signal?.addEventListener('abort', () => this.wake(s), { once: true });
    });
  }

  /** The durations of the sleeps now waiting. */
  pending(): number[] {
    return this.sleepers.map((s) => s.ms);
  }

  /** Moves time forward and wakes every sleep that is due. */
  advance(ms: number): void {
    this.t += ms;
    for (const s of [...this.sleepers]) if (s.until <= this.t) this.wake(s);
  }

  private wake(s: Sleeper): void {
    this.sleepers = this.sleepers.filter((x) => x !== s);
    s.resolve();
  }
}
