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
    const budget = this;
    const limits = this.limits;
    let held = 0;
    let authorized = false;
    let closed = false;
    const account: ConnectionPendingBytes = {
      get held() {
        return held;
      },
      get authorized() {
        return authorized;
      },
      hold(n) {
        if (closed || n <= 0) return;
        const limit = authorized ? limits.authorized : limits.unauthorized;
        if (held + n > limit) {
          throw new ProtocolError(
            'PENDING_BYTES_LIMIT',
            `partially received data too large: ${held + n} > limit ${limit}${authorized ? '' : ' (not authorized yet)'}`,
          );
        }
        if (!authorized && budget.usedBytes + n > budget.maxBytes) {
          throw new ProtocolError(
            'PENDING_BYTES_BUDGET_EXHAUSTED',
            `partially received data of all connections too large: ${budget.usedBytes + n} > limit ${budget.maxBytes}`,
          );
        }
        held += n;
        budget.usedBytes += n;
      },
      release(n) {
        if (closed || n <= 0) return;
        const m = Math.min(n, held);
        held -= m;
        budget.usedBytes -= m;
      },
      resize(from, to) {
        if (to > from) account.hold(to - from);
        else account.release(from - to);
      },
      authorize() {
        authorized = true;
      },
      close() {
        if (closed) return;
        budget.usedBytes -= held;
        held = 0;
        closed = true;
      },
    };
    return account;
  }
}

/** An account that counts nothing and refuses nothing (sans-I/O codecs used without a server). */
export const UNBOUNDED_PENDING_BYTES: PendingBytesAccount = {
  hold() {},
  release() {},
  resize() {},
  held: 0,
};
