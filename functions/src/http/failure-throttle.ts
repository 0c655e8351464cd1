/** Options of {@link FailureThrottle}. */
export interface FailureThrottleOptions {
  /** Failures allowed per key within `windowMs` before the key is blocked. */
  maxFailures: number;
  windowMs: number;
  /** Keys tracked at most (oldest evicted) so a spray of sources cannot exhaust memory. */
  maxKeys: number;
  now?: () => number;
}

/**
 * Counts failures per key (a source ip) in a fixed window and blocks the key once it reaches
 * `maxFailures` until the window ends. In-memory, so per process / Lambda instance: it slows a
 * guessing client, it is not a global rate limit (API Gateway throttling is).
 */
export class FailureThrottle {
  readonly #entries = new Map<string, { count: number; windowStart: number }>();
  readonly #now: () => number;

  constructor(private readonly options: FailureThrottleOptions) {
    this.#now = options.now ?? Date.now;
  }

  /** True when `key` has used up its failures in the current window. */
  isBlocked(key: string): boolean {
    const e = this.#entries.get(key);
    if (!e) return false;
    if (this.#now() - e.windowStart >= this.options.windowMs) {
      this.#entries.delete(key);
      return false;
    }
    return e.count >= this.options.maxFailures;
  }

  /** Counts one failure for `key`. */
  recordFailure(key: string): void {
    const now = this.#now();
    const e = this.#entries.get(key);
    if (e && now - e.windowStart < this.options.windowMs) {
      e.count++;
      return;
    }
    this.#entries.delete(key);
    if (this.#entries.size >= this.options.maxKeys) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { count: 1, windowStart: now });
  }
}
