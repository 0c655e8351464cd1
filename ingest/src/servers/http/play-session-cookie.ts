import { SealedCookieValue, sealedSetCookie } from './sealed-cookie-value.js';

export { cookieValue } from './sealed-cookie-value.js';

/** The cookie's name. */
export const PLAY_SESSION_COOKIE = 'sg_play';
/** Longest cookie value opened: base64url of 12 + 16 + a bounded JSON (name ≤ 64, password ≤ 256). */
export const PLAY_SESSION_MAX_LENGTH = 600;

/** A player login as the cookie carries it. */
export interface PlaySession {
  readonly user: string;
  readonly password: string;
}

/**
 * The player login of the page (STREAMGATE_PLAY_AUTH=required): after `POST /APP/STREAM/login`
 * succeeds, the browser holds the user's credentials sealed with AES-256-GCM under a key only the
 * ingest has (derived from the segment-token key, so every task sharing it opens the cookie; random
 * per process otherwise), with an expiry inside. Media requests bring it back by themselves
 * (mpegts.js fetch, hls.js XHR, native HLS), and the ingest opens it into ordinary credentials
 * that go through the same authorizer as Basic: password check, ACL, throttle, and the re-checks
 * that end a revoked HTTP-FLV play. The credentials never travel in a URL, and the page keeps none.
 * The cookie is `HttpOnly` (no script reads it), `SameSite=Strict` (no other site sends it) and
 * `Secure` when the page was reached over HTTPS; `POST /APP/STREAM/logout` clears it.
 */
export class PlaySessionCookie {
  private readonly sealed: SealedCookieValue;

  constructor(
    /** How long a login holds, seconds. */
    readonly lifetimeSeconds: number,
    secret?: Uint8Array,
  ) {
    if (!(lifetimeSeconds > 0)) throw new RangeError(`play session lifetime must be positive, got ${lifetimeSeconds}`);
    this.sealed = new SealedCookieValue('streamgate play session cookie v1', secret);
  }

  /** The cookie value for `session`, valid `lifetimeSeconds` from `nowMs`. */
  seal(session: PlaySession, nowMs: number): string {
    return this.sealed.seal([session.user, session.password], Math.ceil(nowMs / 1000) + Math.ceil(this.lifetimeSeconds));
  }

  /** The session in `value` when it is ours, intact and not expired; undefined otherwise (never throws). */
  open(value: string, nowMs: number): PlaySession | undefined {
    const fields = this.sealed.open(value, nowMs, 2, PLAY_SESSION_MAX_LENGTH);
    return fields === undefined ? undefined : { user: fields[0]!, password: fields[1]! };
  }

  /** The Set-Cookie field value that stores `value` (or, with `clear`, removes the cookie); see sealedSetCookie. */
  setCookie(value: string, options: { readonly clear?: boolean; readonly secure?: boolean } = {}): string {
    return sealedSetCookie(PLAY_SESSION_COOKIE, value, this.lifetimeSeconds, options);
  }
}
