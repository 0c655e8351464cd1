/** Bounds of a relay's reconnect delays. */
export interface BackoffOptions {
  /** First delay, ms. */
  readonly minMs: number;
  /** Largest delay, ms (the bound a target restart is back within). */
  readonly maxMs: number;
  /** A connection that stayed up this long resets the delay to `minMs`. */
  readonly resetAfterMs: number;
}

/** Defaults: 1 s doubling to 30 s; 10 s up resets. */
export const BACKOFF_DEFAULTS: BackoffOptions = { minMs: 1000, maxMs: 30_000, resetAfterMs: 10_000 };

/**
 * Exponential reconnect delay with ±20 % jitter (many relays of one dead target do not retry in
 * step), reset once a connection stayed up for `resetAfterMs`.
 */
export class Backoff {
  private attempt = 0;
  private upSince: number | undefined;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** The connection is up (live). */
  up(now = Date.now()): void {
    this.upSince = now;
  }

  /** The connection failed or dropped: the delay before the next try. */
  next(now = Date.now()): number {
    if (this.upSince !== undefined && now - this.upSince >= this.options.resetAfterMs) this.attempt = 0;
    this.upSince = undefined;
    const base = Math.min(this.options.maxMs, this.options.minMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.min(this.options.maxMs, Math.round(base * (0.8 + 0.4 * this.random())));
  }
}
