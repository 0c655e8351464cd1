import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a Digest nonce we issued stays acceptable. */
export const RTSP_NONCE_LIFETIME_MS = 5 * 60 * 1000;

/**
 * Stateless Digest nonces (RFC 2617 §3.2.1 suggests time-stamp + H(time-stamp:private-key)):
 * `hex(expiry ms)` + `.` + an HMAC of the expiry and the connection the nonce was issued on, under
 * a per-process key. Nothing is stored per client; `verify` says whether a nonce is ours, was
 * issued on this connection and is not expired. Binding to the connection means an Authorization
 * header seen on one connection (sniffed, logged by a proxy) is worthless on any other.
 */
export class RtspNonces {
  private readonly key: Buffer;

  constructor(
    key: Buffer = randomBytes(32),
    private readonly now: () => number = Date.now,
    private readonly lifetimeMs = RTSP_NONCE_LIFETIME_MS,
  ) {
    this.key = key;
  }

  /** A fresh nonce for connection `connection` (any id unique within this process). */
  issue(connection: string): string {
    const expiry = (this.now() + this.lifetimeMs).toString(16);
    return `${expiry}.${this.mac(expiry, connection)}`;
  }

  /**
   * `ok`, `stale` (ours, issued on this connection, but expired: the client may retry with a new
   * one) or `invalid` (not ours, or issued on another connection).
   */
  verify(nonce: string, connection: string): 'ok' | 'stale' | 'invalid' {
    const m = /^([0-9a-f]{1,13})\.([0-9a-f]{32})$/.exec(nonce);
    if (!m) return 'invalid';
    const expected = Buffer.from(this.mac(m[1], connection), 'utf8');
    const given = Buffer.from(m[2], 'utf8');
    if (!timingSafeEqual(expected, given)) return 'invalid';
    return parseInt(m[1], 16) < this.now() ? 'stale' : 'ok';
  }

  private mac(expiry: string, connection: string): string {
    return createHmac('sha256', this.key).update(`rtsp-nonce:${expiry}:${connection}`).digest('hex').slice(0, 32);
  }
}
