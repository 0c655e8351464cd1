import { ExpiringMap } from './expiring-map.js';

/** Options of a {@link FailureThrottle}. */
export interface FailureThrottleOptions {
  /** Failures from one key (a source address) within `windowMs` after which it is blocked. */
  maxFailures: number;
  /** Length of the counting window, from a key's first counted failure. */
  windowMs: number;
  /** Keys tracked at once (expired first, then the oldest forgotten) so a spray of sources cannot exhaust memory. */
  maxKeys: number;
  /** The clock in ms; defaults to `Date.now`. */
  now?: () => number;
}

/**
 * Counts authentication failures per key (a source address) in a fixed window and blocks the key
 * once it reaches `maxFailures` until the window ends, so password or token guessing costs time.
 * Success does not reset the count: a valid account must not launder guesses at another.
 * In memory, so per process (ingest task, Lambda instance): it slows a guessing client, it is not a
 * global rate limit. Used by the ingest's authorizer and console API and by the functions.
 */
export class FailureThrottle {
  readonly #windows: ExpiringMap<string, { count: number }>;
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(options: FailureThrottleOptions) {
    this.#now = options.now ?? Date.now;
    this.#maxFailures = options.maxFailures;
    this.#windowMs = options.windowMs;
    this.#windows = new ExpiringMap({ maxEntries: options.maxKeys, now: this.#now });
  }

  /** True when `key` has used up its failures in its current window. */
  isBlocked(key: string, nowMs: number = this.#now()): boolean {
    const w = this.#windows.get(key, nowMs);
    return w !== undefined && w.count >= this.#maxFailures;
  }

  /** Counts one failure of `key`; returns the count in its current window. */
  recordFailure(key: string, nowMs: number = this.#now()): number {
    const w = this.#windows.get(key, nowMs);
    if (w !== undefined) return ++w.count;
    this.#windows.set(key, { count: 1 }, nowMs + this.#windowMs, nowMs);
    return 1;
  }

  /** Keys currently tracked. */
  get size(): number {
    return this.#windows.size;
  }
}
