import type { AuthDecision } from '#domain/auth-decision.js';
import { parseQueryCredentials } from '#domain/rtmp-auth-query.js';
import type { AuthorizeRequest, Authorizer, Credentials } from '#ingest/auth/authorizer.js';
import { headerValue, type HttpRequest } from '#ingest/protocols/http/http-request-parser.js';
import { PLAY_SESSION_COOKIE, cookieValue, type PlaySessionCookie } from './play-session-cookie.js';

/** The realm of the `WWW-Authenticate: Basic` challenge (the same as RTSP's). */
export const HTTP_PLAY_REALM = 'streamgate';

/**
 * The outcome of an HTTP-FLV/HLS play check. `allowed`: serve, and re-check with `request` at
 * `decision.recheckAtMs`. Otherwise answer `status` with the stable `code` (and `headers`).
 */
export type HttpPlayCheck =
  | { readonly allowed: true; readonly decision: AuthDecision; readonly request: AuthorizeRequest }
  | {
      readonly allowed: false;
      readonly status: 400 | 401 | 403 | 429 | 503;
      /** HTTP_PLAY_UNAUTHORIZED, HTTP_PLAY_FORBIDDEN, HTTP_PLAY_THROTTLED, HTTP_AUTH_UNAVAILABLE, HTTP_AUTH_BAD_REQUEST. */
      readonly code: string;
      readonly headers: Readonly<Record<string, string>>;
    };

type Carried = { kind: 'ok'; credentials: Credentials } | { kind: 'malformed' };

const BASIC = /^\s*basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i;

/**
 * What the request carries: `Authorization: Basic` first (what ffmpeg/VLC send for
 * `http://user:pass@host/…` after a 401), else `?user=U&pass=P` in the URL (Wowza style, the same
 * parser as RTMP's), else the player page's login cookie when it opens (an expired or foreign one
 * counts as none: the page then logs in again). The request head is already bounded by the HTTP
 * parser's limits.
 */
function carriedCredentials(request: Pick<HttpRequest, 'headers' | 'query'>, session?: PlaySessionCookie): Carried {
  const authorization = headerValue(request.headers, 'Authorization');
  if (authorization !== undefined) {
    const m = BASIC.exec(authorization);
    if (m === null) return { kind: 'malformed' };
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return { kind: 'malformed' };
    return { kind: 'ok', credentials: { kind: 'password', user: decoded.slice(0, colon), password: decoded.slice(colon + 1), source: 'http-basic' } };
  }
  try {
    const q = parseQueryCredentials(request.query);
    if (q === undefined) {
      const cookie = session === undefined ? undefined : cookieValue(headerValue(request.headers, 'Cookie'), PLAY_SESSION_COOKIE);
      const opened = cookie === undefined ? undefined : session!.open(cookie, Date.now());
      if (opened === undefined) return { kind: 'ok', credentials: { kind: 'none' } };
      return { kind: 'ok', credentials: { kind: 'password', user: opened.user, password: opened.password, source: 'http-cookie' } };
    }
    return { kind: 'ok', credentials: { kind: 'password', user: q.user, password: q.password, source: 'http-query' } };
  } catch {
    // RtmpAuthError: an oversized query or a broken %-escape.
    return { kind: 'malformed' };
  }
}

const CHALLENGE = { 'WWW-Authenticate': `Basic realm="${HTTP_PLAY_REALM}"` };

/**
 * Asks `authorizer` whether the client of `request` at `ip` may play `app/stream` over HTTP
 * (protocol `http`), with the credentials the request carries (Basic, query, login cookie), and maps the decision once to an
 * HTTP answer: missing or wrong credentials 401 with a Basic challenge (a wrong password only
 * after the authorizer's failure delay), no `play` grant 403, throttled 429, the auth service
 * down or slow 503, a malformed carrier 400. Never throws (the authorizer never does).
 */
export async function checkHttpPlay(
  authorizer: Authorizer,
  request: Pick<HttpRequest, 'headers' | 'query'>,
  target: { app: string; stream: string; ip: string },
  options: {
    /** Opens the player page's login cookie, when the listener issues them. */
    readonly session?: PlaySessionCookie;
    /** Leave out `WWW-Authenticate` (the page's own requests: a browser would open its password dialog). */
    readonly noChallenge?: boolean;
  } = {},
): Promise<HttpPlayCheck> {
  const carried = carriedCredentials(request, options.session);
  if (carried.kind === 'malformed') return { allowed: false, status: 400, code: 'HTTP_AUTH_BAD_REQUEST', headers: {} };
  const authRequest: AuthorizeRequest = {
    action: 'play',
    protocol: 'http',
    app: target.app,
    stream: target.stream,
    ip: target.ip,
    credentials: carried.credentials,
  };
  const decision = await authorizer.authorize(authRequest);
  if (decision.allowed) return { allowed: true, decision, request: authRequest };
  switch (decision.reason) {
    case 'no_credentials':
    case 'bad_credentials':
    case 'challenge_invalid':
      return { allowed: false, status: 401, code: 'HTTP_PLAY_UNAUTHORIZED', headers: options.noChallenge ? {} : CHALLENGE };
    case 'throttled':
      return { allowed: false, status: 429, code: 'HTTP_PLAY_THROTTLED', headers: {} };
    case 'service_unavailable':
    case 'timeout':
      return { allowed: false, status: 503, code: 'HTTP_AUTH_UNAVAILABLE', headers: {} };
    case 'bad_request':
      return { allowed: false, status: 400, code: 'HTTP_AUTH_BAD_REQUEST', headers: {} };
    default:
      return { allowed: false, status: 403, code: 'HTTP_PLAY_FORBIDDEN', headers: {} };
  }
}
