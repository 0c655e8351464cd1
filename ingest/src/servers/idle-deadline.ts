/**
 * A connection's inactivity deadline that costs one field write per read. `socket.setTimeout`
 * re-inserts its timer in Node's timer list on every read (`_unrefTimer`, 2-3 % of the samples
 * of one publisher with one player, docs/benchmark.md Round 5); here a read only notes its time,
 * and the one timer, when it comes due, looks at that time and waits again for what is left.
 * A busy connection so wakes the loop once per timeout (30 s by default), not per read.
 */
export class IdleDeadline {
  private timer: NodeJS.Timeout | undefined;
  private ms = 0;
  /** When the connection last sent something (performance.now()). */
  private lastInput = 0;

  /** `onIdle` runs once when nothing was read for the time `set` was given. */
  constructor(private readonly onIdle: () => void) {}

  /** Starts the deadline anew with `ms` from now, or with 0 stops it. */
  set(ms: number): void {
    this.stop();
    this.ms = ms;
    if (ms <= 0) return;
    this.lastInput = performance.now();
    this.wait(ms);
  }

  /** Something was read: the deadline moves to `ms` from now (no timer touched). */
  touch(): void {
    if (this.timer !== undefined) this.lastInput = performance.now();
  }

  /** Stops the deadline (the connection closed, or is bounded otherwise). */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private wait(ms: number): void {
    this.timer = setTimeout(this.check, ms);
    // like a socket's own timeout: it does not keep the process alive
    this.timer.unref();
  }

  private readonly check = (): void => {
    this.timer = undefined;
    const left = this.lastInput + this.ms - performance.now();
    if (left > 0) this.wait(Math.ceil(left));
    else this.onIdle();
  };
}
