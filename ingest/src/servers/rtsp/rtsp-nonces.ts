import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a Digest nonce we issued stays acceptable. */
export const RTSP_NONCE_LIFETIME_MS = 5 * 60 * 1000;

/**
 * Stateless Digest nonces (RFC 2617 §3.2.1 suggests time-stamp + H(time-stamp:private-key)):
 * `hex(expiry ms)` + `.` + an HMAC of it under a per-process key. Nothing is stored per client;
 * `verify` says whether a nonce is ours and not expired.
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

  /** A fresh nonce. */
  issue(): string {
    const expiry = (this.now() + this.lifetimeMs).toString(16);
    return `${expiry}.${this.mac(expiry)}`;
  }

  /** `ok`, `stale` (ours but expired: the client may retry with a new one) or `invalid`. */
  verify(nonce: string): 'ok' | 'stale' | 'invalid' {
    const m = /^([0-9a-f]{1,13})\.([0-9a-f]{32})$/.exec(nonce);
    if (!m) return 'invalid';
    const expected = Buffer.from(this.mac(m[1]), 'utf8');
    const given = Buffer.from(m[2], 'utf8');
    if (!timingSafeEqual(expected, given)) return 'invalid';
    return parseInt(m[1], 16) < this.now() ? 'stale' : 'ok';
  }

  private mac(expiry: string): string {
    return createHmac('sha256', this.key).update(`rtsp-nonce:${expiry}`).digest('hex').slice(0, 32);
  }
}
