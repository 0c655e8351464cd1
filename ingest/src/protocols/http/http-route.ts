import { canonicalStream, StreamNameError } from '#domain/canonical-stream.js';
import { LIMITS } from '../limits.js';
import { ProtocolError } from '../protocol-error.js';
import { BoundedMemo } from './bounded-memo.js';
import { isRtmptPath } from '../rtmpt/rtmpt-tunnel.js';
import type { HttpRequest } from './http-request-parser.js';

/**
 * What a request on the 8080 listener asks for. A play route's `app`, `stream` and `path` are the
 * canonical stream identity (canonicalStream: app = first segment, case folded), so
 * `/live/carol-x/feed.flv` and `/LIVE/Carol-X/feed.flv` name the stream RTMP's `live/carol-x` +
 * `feed` publishes.
 */
export type HttpRoute =
  | { readonly kind: 'index' }
  /** The web console's page (`/console`). */
  | { readonly kind: 'console-page' }
  /** The web console's API (`/console/api/…`, any method): `rest` is the segments after `api`. */
  | { readonly kind: 'console-api'; readonly rest: readonly string[] }
  /** A browser asset of the pages (`/web/player.js`): WEB_ASSET_NAME, no folders. */
  | { readonly kind: 'web-asset'; readonly name: string }
  /** A player login for a stream (`POST /APP/STREAM/login`, STREAMGATE_PLAY_AUTH=required). */
  | { readonly kind: 'play-login'; readonly app: string; readonly stream: string; readonly path: string }
  /** The end of a player login (`POST /APP/STREAM/logout`): clears the login cookie (every stream's). */
  | { readonly kind: 'play-logout'; readonly app: string; readonly stream: string; readonly path: string }
  | { readonly kind: 'healthz' }
  | { readonly kind: 'metrics' }
  /** RTMPT tunnel; RtmptTunnel.route checks method and path further. */
  | { readonly kind: 'rtmpt' }
  /** CORS preflight for a playback path. */
  | { readonly kind: 'preflight' }
  | { readonly kind: 'flv'; readonly app: string; readonly stream: string; readonly path: string }
  | { readonly kind: 'hls-playlist'; readonly app: string; readonly stream: string; readonly path: string }
  | { readonly kind: 'hls-segment'; readonly app: string; readonly stream: string; readonly path: string; readonly segment: string };

/** Methods each kind of route answers (the Allow field of a 405). */
export const ROUTE_METHODS = {
  read: ['GET', 'HEAD', 'OPTIONS'],
  login: ['POST'],
} as const;

/** The file names served under `/web/`: one script or style sheet per browser app, no folders. */
export const WEB_ASSET_NAME = /^[a-z0-9][a-z0-9-]{0,40}\.(js|css)$/;

const SEGMENT_NAME = /^\d{1,12}\.(ts|m4s|mp4)$/;

function names(app: readonly string[], stream: string): { app: string; stream: string; path: string } {
  const appName = app.join('/');
  // The same per-name bound as RTMP's app and stream, before the path is made canonical.
  for (const [what, value] of [
    ['application', appName],
    ['stream', stream],
  ] as const) {
    if (value === '' || value.length > LIMITS.streamNameMaxLength) {
      throw new ProtocolError('HTTP_BAD_STREAM_NAME', `Bad ${what} name length: ${value.length} (limit ${LIMITS.streamNameMaxLength})`);
    }
  }
  try {
    const { app: canonicalApp, stream: canonicalName, path } = canonicalStream(...app, stream);
    return { app: canonicalApp, stream: canonicalName, path };
  } catch (err) {
    if (err instanceof StreamNameError) throw new ProtocolError('HTTP_BAD_STREAM_NAME', err.message, { cause: err });
    throw err;
  }
}

/**
 * Maps a parsed request to what the 8080 listener serves: `/` (player page), `/web/<asset>`,
 * `POST /APP/STREAM/login` and `/logout` (player login), `/console` and `/console/api/…` (web console), `/healthz`,
 * `/metrics`, the RTMPT tunnel paths, HTTP-FLV `/APP/STREAM.flv`, HLS `/APP/STREAM/index.m3u8` and
 * `/APP/STREAM/<n>.ts`. Throws HTTP_NOT_FOUND (404), HTTP_METHOD_NOT_ALLOWED (405, allowed methods
 * in ROUTE_METHODS.read), HTTP_LOGIN_METHOD_NOT_ALLOWED (405, POST only on login and logout) or HTTP_BAD_STREAM_NAME (400). Whether the stream exists is the server's
 * question.
 */
export function routeHttpRequest(request: Pick<HttpRequest, 'method' | 'path' | 'segments'>): HttpRoute {
  const { method, path, segments } = request;
  if (method === 'GET') return GET_ROUTES.get(path);
  return routeRequest(method, path, segments);
}

function routeRequest(method: string, path: string, segments: readonly string[]): HttpRoute {
  if (isRtmptPath(path)) return { kind: 'rtmpt' };
  if (segments[0] === 'console' && (segments.length === 1 || segments[1] === 'api')) return consoleRoute(method, segments);
  const route = readRoute(segments);
  if (route === undefined) throw new ProtocolError('HTTP_NOT_FOUND', 'No such path');
  if (route.kind === 'play-login' || route.kind === 'play-logout') {
    if (method === 'POST') return route;
    throw new ProtocolError('HTTP_LOGIN_METHOD_NOT_ALLOWED', `${method.slice(0, 16)} not allowed here (POST only)`);
  }
  if (method === 'GET' || method === 'HEAD') return route;
  if (method === 'OPTIONS') return { kind: 'preflight' };
  throw new ProtocolError('HTTP_METHOD_NOT_ALLOWED', `${method.slice(0, 16)} not allowed here`);
}

/** GET routes by path, worked out once for every connection (BoundedMemo: players ask for the same few). */
const GET_ROUTES = new BoundedMemo((path) => routeRequest('GET', path, pathSegments(path)), 512, 512);

/** The segments of a normalised path (`/a/b` → `['a', 'b']`; `/` and the asterisk-form `*` → `[]`). */
function pathSegments(path: string): string[] {
  return path === '/' || path === '*' ? [] : path.slice(1).split('/');
}

/**
 * `/console` (GET, HEAD) and `/console/api/…` (any method: the console API answers 404 itself).
 * Other paths under `/console/` stay stream paths of an app called `console`.
 */
function consoleRoute(method: string, segments: readonly string[]): HttpRoute {
  if (segments.length > 1) return { kind: 'console-api', rest: segments.slice(2) };
  if (method === 'GET' || method === 'HEAD') return { kind: 'console-page' };
  throw new ProtocolError('HTTP_METHOD_NOT_ALLOWED', `${method.slice(0, 16)} not allowed here`);
}

function readRoute(segments: readonly string[]): HttpRoute | undefined {
  const last = segments.at(-1);
  if (last === undefined) return { kind: 'index' };
  if (segments.length === 1 && last === 'healthz') return { kind: 'healthz' };
  if (segments.length === 1 && last === 'metrics') return { kind: 'metrics' };
  if (segments.length === 2 && segments[0] === 'web' && WEB_ASSET_NAME.test(last)) return { kind: 'web-asset', name: last };
  if (segments.length >= 3 && last === 'login') {
    return { kind: 'play-login', ...names(segments.slice(0, -2), segments.at(-2)!) };
  }
  if (segments.length >= 3 && last === 'logout') {
    return { kind: 'play-logout', ...names(segments.slice(0, -2), segments.at(-2)!) };
  }
  if (segments.length >= 2 && last.endsWith('.flv')) {
    return { kind: 'flv', ...names(segments.slice(0, -1), last.slice(0, -4)) };
  }
  if (segments.length >= 3 && last === 'index.m3u8') {
    return { kind: 'hls-playlist', ...names(segments.slice(0, -2), segments.at(-2)!) };
  }
  if (segments.length >= 3 && SEGMENT_NAME.test(last)) {
    return { kind: 'hls-segment', ...names(segments.slice(0, -2), segments.at(-2)!), segment: last };
  }
  return undefined;
}
