/** A connection the sweeper asks, once a period, whether it has been idle too long. */
export interface IdleCheck {
  /** Closes itself when idle past its bound (`now`: Date.now() of this sweep). */
  checkIdle(now: number): void;
}

/**
 * One interval for every connection of a listener instead of one per connection: each period it
 * asks every added connection to check its own idle time. A connection is closed between its
 * bound and its bound plus one period after its last activity, as with an interval of its own.
 * The interval runs (unref'd) only while something is added.
 */
export class IdleSweeper {
  private readonly checks = new Set<IdleCheck>();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly periodMs: number) {}

  add(check: IdleCheck): void {
    this.checks.add(check);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.sweep(), this.periodMs);
      this.timer.unref();
    }
  }

  delete(check: IdleCheck): void {
    this.checks.delete(check);
    if (this.checks.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Connections added and not deleted. */
  get size(): number {
    return this.checks.size;
  }

  private sweep(): void {
    const now = Date.now();
    // A check that closes its connection deletes it from the set: a Set's iteration allows that.
    for (const check of this.checks) check.checkIdle(now);
  }
}
