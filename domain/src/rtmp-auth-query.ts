import { RtmpAuthError } from './rtmp-auth-error.js';
import { splitQuery } from './split-query.js';

/**
 * Bounds on everything a client can put into an auth query. A connect `app` is an AMF string (up
 * to 64 KiB on the wire); nothing legitimate comes close to these numbers.
 */
export const RTMP_AUTH_LIMITS = {
  /** Characters after the `?` of an app, tcUrl or stream name. */
  queryMaxLength: 2048,
  /** `&`-separated parameters in one query. */
  queryMaxParams: 32,
  /** Characters of one parameter value (raw, before any decoding). */
  paramMaxLength: 512,
} as const;

/** An app or stream name split at its first `?`. `query` excludes the `?` ('' when absent). */
export interface SplitName {
  name: string;
  query: string;
}

/**
 * The Adobe/llnw carrier fields of a connect query, exactly as sent: no `%`-decoding and no
 * `+`→space (AUTH-SPEC §3.5.1; OBS's client challenge and every response are base64 and may
 * contain `+ / =`). Absent keys are `undefined`; a key without `=` has the value ''.
 */
export interface RtmpAuthQuery {
  authmod?: string;
  user?: string;
  challenge?: string;
  response?: string;
  opaque?: string;
  nonce?: string;
  cnonce?: string;
  nc?: string;
}

/** Wowza-style `?user=U&pass=P` credentials, `%`-decoded. */
export interface QueryCredentials {
  user: string;
  password: string;
}

const AUTH_KEYS = ['authmod', 'user', 'challenge', 'response', 'opaque', 'nonce', 'cnonce', 'nc'] as const;

/** Splits `value` at its first `?` (AUTH-SPEC §3.5.1: the real name is the part before it). */
export function splitAtQuery(value: string): SplitName {
  const at = value.indexOf('?');
  if (at < 0) return { name: value, query: '' };
  const query = value.slice(at + 1);
  checkQueryLength(query);
  return { name: value.slice(0, at), query };
}

/**
 * Splits a connect's `app` into the real app name and the auth query. The query comes from `app`;
 * when `app` has none it falls back to tcUrl's query (some clients put it only there).
 */
export function splitConnectApp(app: string, tcUrl?: string): { app: string; query: string } {
  const fromApp = splitAtQuery(app);
  if (fromApp.query !== '' || tcUrl === undefined) return { app: fromApp.name, query: fromApp.query };
  return { app: fromApp.name, query: splitAtQuery(tcUrl).query };
}

/**
 * Parses a raw query (without or with a leading `?`) into key → value, splitting on `&` and the
 * first `=`, without any decoding. The first occurrence of a key wins. Bounded by
 * {@link RTMP_AUTH_LIMITS}; throws {@link RtmpAuthError} beyond them.
 */
export function parseRawQuery(query: string): Map<string, string> {
  const q = query.startsWith('?') ? query.slice(1) : query;
  checkQueryLength(q);
  const out = new Map<string, string>();
  const pairs = splitQuery(q);
  if (pairs.length > RTMP_AUTH_LIMITS.queryMaxParams) {
    throw new RtmpAuthError(
      'auth_query_too_many_params',
      `auth query has too many parameters: ${pairs.length} > limit ${RTMP_AUTH_LIMITS.queryMaxParams}`,
    );
  }
  for (const [key, value] of pairs) {
    if (value.length > RTMP_AUTH_LIMITS.paramMaxLength) {
      throw new RtmpAuthError(
        'auth_param_too_long',
        `auth query parameter too long: ${value.length} > limit ${RTMP_AUTH_LIMITS.paramMaxLength}`,
      );
    }
    if (!out.has(key)) out.set(key, value);
  }
  return out;
}

/** The Adobe/llnw fields of a raw query (see {@link RtmpAuthQuery}); no decoding. */
export function parseRtmpAuthQuery(query: string): RtmpAuthQuery {
  const raw = parseRawQuery(query);
  const out: RtmpAuthQuery = {};
  for (const key of AUTH_KEYS) {
    const value = raw.get(key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * Wowza-style query credentials `user=U&pass=P` (`password=` is accepted as an alias of `pass`),
 * `%`-decoded as UTF-8. `+` stays a literal plus: encoders paste these URLs by hand and a `+` in
 * a password is likelier than a form-encoded space (write a space as `%20`). Returns `undefined`
 * unless both a non-empty user and a password are present. Throws {@link RtmpAuthError}
 * `auth_bad_percent_encoding` for a broken escape.
 */
export function parseQueryCredentials(query: string): QueryCredentials | undefined {
  const raw = parseRawQuery(query);
  const user = raw.get('user');
  const password = raw.get('pass') ?? raw.get('password');
  if (user === undefined || password === undefined) return undefined;
  const decodedUser = percentDecode(user);
  if (decodedUser === '') return undefined;
  return { user: decodedUser, password: percentDecode(password) };
}

/** Strict `%xx` decoding (UTF-8); `+` is left alone. */
export function percentDecode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch (err) {
    throw new RtmpAuthError('auth_bad_percent_encoding', 'auth query value has a broken %-escape', { cause: err });
  }
}

function checkQueryLength(query: string): void {
  if (query.length > RTMP_AUTH_LIMITS.queryMaxLength) {
    throw new RtmpAuthError(
      'auth_query_too_long',
      `auth query too long: ${query.length} > limit ${RTMP_AUTH_LIMITS.queryMaxLength}`,
    );
  }
}
