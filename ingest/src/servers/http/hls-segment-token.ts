import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Bytes of HMAC-SHA256 kept in a token (128 bits: forging is out of reach, URLs stay short). */
const MAC_BYTES = 16;
/** Longest token accepted: `<expiry seconds, ≤12 digits>.<22 base64url chars>`; longer is refused before any work. */
export const SEGMENT_TOKEN_MAX_LENGTH = 12 + 1 + 22;
const TOKEN = /^(\d{1,12})\.([A-Za-z0-9_-]{22})$/;

/** What {@link HlsSegmentToken.verify} says about a token. */
export type SegmentTokenCheck = 'valid' | 'expired' | 'invalid';

/**
 * The short-lived grant an authorized HLS playlist hands to its segment URIs, so a player that
 * authenticated the playlist request does not repeat its password in every segment URL:
 * `<expiry>.<mac>`, where expiry is epoch seconds and mac is base64url of the first 16 bytes of
 * HMAC-SHA256(key, `APP/STREAM|expiry`). Stateless: any request carrying it for the same stream
 * before expiry is let through; another stream, a later expiry or an altered mac is refused.
 * The key is random per process unless one is given (tokens then survive restarts and work on
 * every task sharing it).
 */
export class HlsSegmentToken {
  private readonly key: Uint8Array;

  constructor(
    /** How long an issued token stays valid, seconds. */
    readonly lifetimeSeconds: number,
    key?: Uint8Array,
  ) {
    if (!(lifetimeSeconds > 0)) throw new RangeError(`segment token lifetime must be positive, got ${lifetimeSeconds}`);
    this.key = key ?? randomBytes(32);
  }

  /** A token for `path` (`APP/STREAM` as the hub names it) valid `lifetimeSeconds` from `nowMs`. */
  issue(path: string, nowMs: number): string {
    const expiry = Math.ceil(nowMs / 1000) + Math.ceil(this.lifetimeSeconds);
    return `${expiry}.${this.mac(path, expiry)}`;
  }

  /** Checks `token` for `path` at `nowMs`; never throws. */
  verify(path: string, token: string, nowMs: number): SegmentTokenCheck {
    if (token.length > SEGMENT_TOKEN_MAX_LENGTH) return 'invalid';
    const m = TOKEN.exec(token);
    if (m === null) return 'invalid';
    const expiry = Number(m[1]);
    // Compared as text, not decoded: the last of 22 base64url characters carries 4 unused bits,
    // so decoding would accept 16 spellings of one mac.
    const given = Buffer.from(m[2]!, 'latin1');
    const expected = Buffer.from(this.mac(path, expiry), 'latin1');
    if (!timingSafeEqual(given, expected)) return 'invalid';
    // Only a genuine token is told it expired; a forged one learns nothing about the clock.
    return nowMs >= expiry * 1000 ? 'expired' : 'valid';
  }

  private mac(path: string, expiry: number): string {
    return createHmac('sha256', this.key).update(`${path}|${expiry}`).digest().subarray(0, MAC_BYTES).toString('base64url');
  }
}
