import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** The cookie's name. */
export const PLAY_SESSION_COOKIE = 'sg_play';
/** Longest cookie value opened: base64url of 12 + 16 + a bounded JSON (name ≤ 64, password ≤ 256). */
export const PLAY_SESSION_MAX_LENGTH = 600;

const IV_BYTES = 12;
const TAG_BYTES = 16;
const VALUE = /^[A-Za-z0-9_-]+$/;

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
  private readonly key: Buffer;

  constructor(
    /** How long a login holds, seconds. */
    readonly lifetimeSeconds: number,
    secret?: Uint8Array,
  ) {
    if (!(lifetimeSeconds > 0)) throw new RangeError(`play session lifetime must be positive, got ${lifetimeSeconds}`);
    this.key = secret === undefined ? randomBytes(32) : createHmac('sha256', secret).update('streamgate play session cookie v1').digest();
  }

  /** The cookie value for `session`, valid `lifetimeSeconds` from `nowMs`. */
  seal(session: PlaySession, nowMs: number): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const expiry = Math.ceil(nowMs / 1000) + Math.ceil(this.lifetimeSeconds);
    const plain = Buffer.from(JSON.stringify([expiry, session.user, session.password]), 'utf8');
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The session in `value` when it is ours, intact and not expired; undefined otherwise (never throws). */
  open(value: string, nowMs: number): PlaySession | undefined {
    if (value.length > PLAY_SESSION_MAX_LENGTH || !VALUE.test(value)) return undefined;
    const bytes = Buffer.from(value, 'base64url');
    if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      const parsed: unknown = JSON.parse(plain);
      if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
      const [expiry, user, password] = parsed as unknown[];
      if (typeof expiry !== 'number' || typeof user !== 'string' || typeof password !== 'string') return undefined;
      if (nowMs >= expiry * 1000) return undefined;
      return { user, password };
    } catch {
      // An altered, foreign or truncated value fails the GCM tag.
      return undefined;
    }
  }

  /**
   * The Set-Cookie field value that stores `value` (or, with `clear`, removes the cookie). `secure`
   * (the page was reached over HTTPS) adds `Secure`, so the browser never sends the cookie over
   * plain HTTP, where anyone on the path could copy and replay it (RFC 6265 §4.1.2.5).
   */
  setCookie(value: string, options: { readonly clear?: boolean; readonly secure?: boolean } = {}): string {
    const clear = options.clear === true;
    const secure = options.secure === true ? '; Secure' : '';
    return `${PLAY_SESSION_COOKIE}=${clear ? '' : value}; Path=/; HttpOnly${secure}; SameSite=Strict; Max-Age=${clear ? 0 : Math.ceil(this.lifetimeSeconds)}`;
  }
}

/** The value of cookie `name` in a Cookie field (RFC 6265 §4.2.1: `name=value; name2=value2`). */
export function cookieValue(field: string | undefined, name: string): string | undefined {
  if (field === undefined) return undefined;
  for (const pair of field.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
