import { LIMITS } from './limits.js';
import { ProtocolError } from './protocol-error.js';

/**
 * Where one connection counts the bytes it holds for input that is not complete yet (partial RTMP
 * messages on every chunk stream, an RTSP or HTTP message waiting for its end, an FLV tag or PES
 * packet being assembled). Decoders call `hold` before they keep bytes and `release` when they
 * hand them on or drop them; `hold` throws a coded ProtocolError instead of letting the bytes in.
 */
export interface PendingBytesAccount {
  /** Counts `n` more bytes; throws PENDING_BYTES_LIMIT or PENDING_BYTES_BUDGET_EXHAUSTED (nothing is counted then). */
  hold(n: number): void;
  /** Gives `n` counted bytes back. */
  release(n: number): void;
  /** `hold(to - from)` or `release(from - to)`: a part that held `from` bytes now holds `to`. */
  resize(from: number, to: number): void;
  /** Bytes counted now. */
  readonly held: number;
}

/** Bounds of the accounts a budget opens; default from LIMITS. */
export interface PendingBytesLimits {
  /** Per connection once it is authorized (a publisher whose publish was allowed, an allow-listed raw source). */
  readonly authorized: number;
  /** Per connection before that: commands and requests only. */
  readonly unauthorized: number;
}

/** An account that can also be promoted and closed (the server's side of it). */
export interface ConnectionPendingBytes extends PendingBytesAccount {
  readonly authorized: boolean;
  /** From now on the authorized bound applies and the process-wide budget no longer refuses it. */
  authorize(): void;
  /** Gives everything back; later holds and releases are ignored. */
  close(): void;
}

/**
 * The process-wide budget for partially received data, and the accounts of every connection.
 *
 * - Each account is bounded on its own: `unauthorized` bytes before its connection is authorized,
 *   `authorized` after (PENDING_BYTES_LIMIT).
 * - All accounts together are bounded by `maxBytes`: past it a hold of a connection that is not
 *   authorized is refused (PENDING_BYTES_BUDGET_EXHAUSTED), and once less than one unauthorized
 *   bound is left `exhausted` tells listeners to refuse new connections, while authorized connections (established publishers) go on, each
 *   still within its own bound.
 */
export class PendingBytesBudget {
  private usedBytes = 0;
  private readonly limits: PendingBytesLimits;

  constructor(
    readonly maxBytes: number,
    limits: Partial<PendingBytesLimits> = {},
  ) {
    this.limits = {
      authorized: limits.authorized ?? LIMITS.connectionMaxPendingBytes,
      unauthorized: limits.unauthorized ?? LIMITS.unauthorizedMaxPendingBytes,
    };
  }

  /** The bound of one authorized account (STREAMGATE_PUBLISHER_MAX_PENDING_BYTES). */
  get authorizedLimit(): number {
    return this.limits.authorized;
  }

  /** Bytes held by all accounts together. */
  get used(): number {
    return this.usedBytes;
  }

  /**
   * True while the accounts together leave no room for one more connection's pre-auth bound:
   * listeners refuse new connections then.
   */
  get exhausted(): boolean {
    return this.usedBytes + this.limits.unauthorized > this.maxBytes;
  }

  /** A new account for one connection, not authorized yet. */
  open(): ConnectionPendingBytes {
    return new BudgetAccount(this, this.limits);
  }

  /** Counts `n` bytes more (negative: fewer) of an account in the total. */
  add(n: number): void {
    this.usedBytes += n;
  }
}

/**
 * One connection's account in a PendingBytesBudget: a class, so the account every connection opens
 * is one small object, not seven closures and their scope (docs/benchmark.md, Round 6).
 */
class BudgetAccount implements ConnectionPendingBytes {
  held = 0;
  authorized = false;
  private closed = false;

  constructor(
    private readonly budget: PendingBytesBudget,
    private readonly limits: PendingBytesLimits,
  ) {}

  hold(n: number): void {
    if (this.closed || n <= 0) return;
    const limit = this.authorized ? this.limits.authorized : this.limits.unauthorized;
    if (this.held + n > limit) {
      throw new ProtocolError('PENDING_BYTES_LIMIT', `partially received data too large: ${this.held + n} > limit ${limit}${this.authorized ? '' : ' (not authorized yet)'}`);
    }
    const budget = this.budget;
    if (!this.authorized && budget.used + n > budget.maxBytes) {
      throw new ProtocolError('PENDING_BYTES_BUDGET_EXHAUSTED', `partially received data of all connections too large: ${budget.used + n} > limit ${budget.maxBytes}`);
    }
    this.held += n;
    budget.add(n);
  }

  release(n: number): void {
    if (this.closed || n <= 0) return;
    const m = Math.min(n, this.held);
    this.held -= m;
    this.budget.add(-m);
  }

  resize(from: number, to: number): void {
    if (to > from) this.hold(to - from);
    else this.release(from - to);
  }

  authorize(): void {
    this.authorized = true;
  }

  close(): void {
    if (this.closed) return;
    this.budget.add(-this.held);
    this.held = 0;
    this.closed = true;
  }
}

/** An account that counts nothing and refuses nothing (sans-I/O codecs used without a server). */
export const UNBOUNDED_PENDING_BYTES: PendingBytesAccount = {
  hold() {},
  release() {},
  resize() {},
  held: 0,
};
