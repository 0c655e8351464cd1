/** Tunables of a {@link FailureThrottle}. */
export interface FailureThrottleOptions {
  /** Failures from one address within `windowMs` after which it is refused outright. */
  maxFailures: number;
  /** Length of the counting window, from an address's first counted failure. */
  windowMs: number;
  /** Addresses tracked at once (oldest forgotten first). */
  maxAddresses: number;
}

/**
 * Counts authentication failures per remote address in a fixed window, so that failed attempts
 * are delayed and throttled per remote address (password guessing costs time). The authorizer delays each failure answer and
 * refuses without asking anyone once {@link isThrottled} says so. Success does not reset the
 * count: a valid account must not launder guesses at another.
 */
export class FailureThrottle {
  private readonly byAddress = new Map<string, { count: number; windowEndsMs: number }>();

  constructor(private readonly opts: FailureThrottleOptions) {}

  /** True when `ip` has reached `maxFailures` within its current window. */
  isThrottled(ip: string, nowMs: number): boolean {
    const e = this.byAddress.get(ip);
    if (!e) return false;
    if (nowMs >= e.windowEndsMs) {
      this.byAddress.delete(ip);
      return false;
    }
    return e.count >= this.opts.maxFailures;
  }

  /** Records one failure from `ip`; returns the count in the current window. */
  recordFailure(ip: string, nowMs: number): number {
    let e = this.byAddress.get(ip);
    if (!e || nowMs >= e.windowEndsMs) {
      this.byAddress.delete(ip);
      if (this.byAddress.size >= this.opts.maxAddresses) this.evict(nowMs);
      e = { count: 0, windowEndsMs: nowMs + this.opts.windowMs };
      this.byAddress.set(ip, e);
    }
    e.count++;
    return e.count;
  }

  /** Addresses currently tracked. */
  get size(): number {
    return this.byAddress.size;
  }

  private evict(nowMs: number): void {
    for (const [k, e] of this.byAddress) if (nowMs >= e.windowEndsMs) this.byAddress.delete(k);
    while (this.byAddress.size >= this.opts.maxAddresses) {
      this.byAddress.delete(this.byAddress.keys().next().value as string);
    }
  }
}
