import { createHash, timingSafeEqual } from 'node:crypto';
import { ProtocolError } from '../protocol-error.js';

/** Credentials of an Authorization header (RFC 2617, as used by RTSP clients). */
export type RtspAuthorization =
  | { readonly scheme: 'basic'; readonly username: string; readonly password: string }
  | {
      readonly scheme: 'digest';
      readonly username: string;
      readonly realm: string;
      readonly nonce: string;
      readonly uri: string;
      readonly response: string;
      readonly algorithm?: string;
      readonly qop?: string;
      readonly nc?: string;
      readonly cnonce?: string;
      readonly opaque?: string;
    };

/** A challenge for WWW-Authenticate. */
export type RtspChallenge =
  | { readonly scheme: 'basic'; readonly realm: string }
  | { readonly scheme: 'digest'; readonly realm: string; readonly nonce: string; readonly opaque?: string; readonly qop?: 'auth'; readonly stale?: boolean };

const MAX_PARAMS = 16;

/** Parses an Authorization header value. Raises `RTSP_BAD_AUTHORIZATION`. */
export function parseAuthorization(value: string): RtspAuthorization {
  const m = /^\s*(\S+)\s+([\s\S]*)$/.exec(value);
  if (!m) throw new ProtocolError('RTSP_BAD_AUTHORIZATION', 'Authorization without credentials');
  const scheme = m[1].toLowerCase();
  if (scheme === 'basic') {
    const token = m[2].trim();
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) throw new ProtocolError('RTSP_BAD_AUTHORIZATION', 'Basic credentials are not base64');
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new ProtocolError('RTSP_BAD_AUTHORIZATION', 'Basic credentials without a colon');
    return { scheme: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (scheme === 'digest') {
    const p = parseParams(m[2]);
    for (const required of ['username', 'realm', 'nonce', 'uri', 'response']) {
      if (p[required] === undefined) throw new ProtocolError('RTSP_BAD_AUTHORIZATION', `Digest credentials without ${required}`);
    }
    return {
      scheme: 'digest',
      username: p.username,
      realm: p.realm,
      nonce: p.nonce,
      uri: p.uri,
      response: p.response,
      ...(p.algorithm !== undefined ? { algorithm: p.algorithm } : {}),
      ...(p.qop !== undefined ? { qop: p.qop } : {}),
      ...(p.nc !== undefined ? { nc: p.nc } : {}),
      ...(p.cnonce !== undefined ? { cnonce: p.cnonce } : {}),
      ...(p.opaque !== undefined ? { opaque: p.opaque } : {}),
    };
  }
  throw new ProtocolError('RTSP_BAD_AUTHORIZATION', `unsupported authorization scheme ${m[1].slice(0, 16)}`);
}

/** `key=value` / `key="quoted value"` pairs separated by commas (RFC 2617 §1.2 auth-param). */
function parseParams(text: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  let i = 0;
  let count = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && (text[i] === ' ' || text[i] === ',' || text[i] === '\t')) i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n && text[i] !== '=' && text[i] !== ',') i++;
    const key = text.slice(keyStart, i).trim().toLowerCase();
    if (text[i] !== '=' || key === '') throw new ProtocolError('RTSP_BAD_AUTHORIZATION', `malformed auth-param near ${text.slice(keyStart, keyStart + 16)}`);
    i++;
    let value = '';
    if (text[i] === '"') {
      i++;
      while (i < n && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < n) i++;
        value += text[i++];
      }
      if (i >= n) throw new ProtocolError('RTSP_BAD_AUTHORIZATION', 'unterminated quoted auth-param');
      i++;
    } else {
      const start = i;
      while (i < n && text[i] !== ',') i++;
      value = text.slice(start, i).trim();
    }
    if (++count > MAX_PARAMS) throw new ProtocolError('RTSP_BAD_AUTHORIZATION', `more than ${MAX_PARAMS} auth-params`);
    out[key] = value;
  }
  return out;
}

const quote = (s: string): string => `"${s.replace(/["\\]/g, '\\$&')}"`;

/** Formats a WWW-Authenticate header value. */
export function formatWwwAuthenticate(challenge: RtspChallenge): string {
  if (challenge.scheme === 'basic') return `Basic realm=${quote(challenge.realm)}`;
  const parts = [`realm=${quote(challenge.realm)}`, `nonce=${quote(challenge.nonce)}`];
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  if (challenge.qop !== undefined) parts.push(`qop=${quote(challenge.qop)}`);
  if (challenge.stale) parts.push('stale=TRUE');
  return `Digest ${parts.join(', ')}`;
}

const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');

/** The Digest `response` (RFC 2617 §3.2.2.1, MD5; with qop=auth or without qop as RFC 2069). */
export function digestResponse(p: {
  readonly username: string;
  readonly password: string;
  readonly realm: string;
  readonly nonce: string;
  readonly method: string;
  readonly uri: string;
  readonly qop?: string;
  readonly nc?: string;
  readonly cnonce?: string;
}): string {
  const ha1 = md5(`${p.username}:${p.realm}:${p.password}`);
  const ha2 = md5(`${p.method}:${p.uri}`);
  return p.qop === 'auth' ? md5(`${ha1}:${p.nonce}:${p.nc ?? ''}:${p.cnonce ?? ''}:auth:${ha2}`) : md5(`${ha1}:${p.nonce}:${ha2}`);
}

/**
 * True when Digest credentials answer the challenge for `method` with `password`. The caller
 * checks that `auth.nonce` is one it issued and `auth.realm` is its realm.
 */
export function verifyDigest(auth: Extract<RtspAuthorization, { scheme: 'digest' }>, password: string, method: string): boolean {
  if (auth.algorithm !== undefined && auth.algorithm.toUpperCase() !== 'MD5') return false;
  if (auth.qop !== undefined && auth.qop !== 'auth') return false;
  const expected = Buffer.from(digestResponse({ ...auth, password, method }), 'utf8');
  const given = Buffer.from(auth.response.toLowerCase(), 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Whether a Digest `uri` names the Request-URI (RFC 2617 §3.2.2.5): the same text, or its
 * absolute path (with query) as some clients send it. Credentials computed for one resource are
 * no use for another.
 */
export function digestUriMatches(digestUri: string, requestUri: string): boolean {
  if (digestUri === requestUri) return true;
  const m = /^rtsps?:\/\/[^/?]*(\/[\s\S]*)?$/i.exec(requestUri);
  if (!m) return false;
  const path = m[1] ?? '/';
  return digestUri === path;
}

const MAX_NONCES_PER_CONNECTION = 32;

/** Nonce counts per nonce seen on one connection: each must be higher than the last (RFC 2617 §3.2.2). */
export class DigestNonceCounts {
  private readonly last = new Map<string, number>();

  /** True (and remembered) when `nc` is a valid count above any seen for `nonce`. */
  accept(nonce: string, nc: string | undefined): boolean {
    if (nc === undefined || !/^[0-9a-fA-F]{8}$/.test(nc)) return false;
    const n = parseInt(nc, 16);
    if (n <= (this.last.get(nonce) ?? 0)) return false;
    // A connection sees one nonce per 401 it got; past a few dozen it is not a real client, and
    // forgetting old counts would let them be replayed, so new nonces are refused instead.
    if (!this.last.has(nonce) && this.last.size >= MAX_NONCES_PER_CONNECTION) return false;
    this.last.set(nonce, n);
    return true;
  }
}

/** Formats Digest credentials (the client side, for tests and pulls). */
export function formatDigestAuthorization(p: Parameters<typeof digestResponse>[0] & { readonly opaque?: string }): string {
  const response = digestResponse(p);
  const parts = [`username=${quote(p.username)}`, `realm=${quote(p.realm)}`, `nonce=${quote(p.nonce)}`, `uri=${quote(p.uri)}`, `response=${quote(response)}`];
  if (p.opaque !== undefined) parts.push(`opaque=${quote(p.opaque)}`);
  if (p.qop !== undefined) parts.push(`qop=${p.qop}`, `nc=${p.nc ?? ''}`, `cnonce=${quote(p.cnonce ?? '')}`);
  return `Digest ${parts.join(', ')}`;
}
