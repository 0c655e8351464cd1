import { SealedCookieValue, sealedSetCookie } from './sealed-cookie-value.js';

/** The cookie's name. */
export const CONSOLE_PREVIEW_COOKIE = 'sg_preview';
/** How long one grant holds; the console's preview renews it well before (every 4 minutes). */
export const CONSOLE_PREVIEW_SECONDS = 10 * 60;
/** Longest value opened: base64url of 12 + 16 + a JSON of an expiry and a stream path (≤ 1024). */
const MAX_LENGTH = 1500;

/**
 * What lets the web console's preview play a stream while STREAMGATE_PLAY_AUTH=required: the
 * console API (admin token checked) answers `POST /console/api/streams/preview {stream}` with this
 * cookie, sealed (AES-256-GCM, like the player login's cookie, under its own key derived from the
 * segment-token key, so every task of a cluster opens it) around one stream path and an expiry
 * ten minutes on. HTTP-FLV and HLS requests for that path then play without user credentials;
 * for any other path, or once expired, the cookie counts for nothing. `HttpOnly`, `SameSite=Strict`
 * and `Secure` over HTTPS: no script, no other site and no plain-HTTP path ever carries it.
 */
export class ConsolePreviewCookie {
  private readonly sealed: SealedCookieValue;

  constructor(secret?: Uint8Array) {
    this.sealed = new SealedCookieValue('streamgate console preview cookie v1', secret);
  }

  /** The cookie value granting the preview of `path` for CONSOLE_PREVIEW_SECONDS from `nowMs`. */
  seal(path: string, nowMs: number): string {
    return this.sealed.seal([path], Math.ceil(nowMs / 1000) + CONSOLE_PREVIEW_SECONDS);
  }

  /** Whether `value` is ours, intact, unexpired at `nowMs` and grants `path`. Never throws. */
  grants(value: string | undefined, path: string, nowMs: number): boolean {
    if (value === undefined) return false;
    return this.sealed.open(value, nowMs, 1, MAX_LENGTH)?.[0] === path;
  }

  /** The Set-Cookie field value that stores `value`. */
  setCookie(value: string, options: { readonly secure?: boolean } = {}): string {
    return sealedSetCookie(CONSOLE_PREVIEW_COOKIE, value, CONSOLE_PREVIEW_SECONDS, options);
  }
}
