import { describe, expect, it } from 'vitest';
import { CORS_HEADERS } from '#ingest/protocols/http/cors-headers.js';
import { HTTP_LAST_CHUNK, encodeHttpChunk } from '#ingest/protocols/http/encode-http-chunk.js';
import { encodeHttpResponseHead } from '#ingest/protocols/http/encode-http-response-head.js';
import { HTTP_ERROR_STATUS, httpErrorStatus } from '#ingest/protocols/http/http-error-status.js';
import { HttpRequestParser } from '#ingest/protocols/http/http-request-parser.js';
import { routeHttpRequest, type HttpRoute } from '#ingest/protocols/http/http-route.js';
import { normalizeRequestPath } from '#ingest/protocols/http/normalize-request-path.js';
import { hlsResponseHeaders } from '#ingest/protocols/hls/hls-response-headers.js';
import { ascii } from '#test/support/feeding.js';
import { codeOf } from '#test/support/expect-code.js';

function route(method: string, target: string): HttpRoute {
  return routeHttpRequest({ method, ...normalizeRequestPath(target) });
}

const routes: { target: string; method?: string; route: HttpRoute }[] = [
  { target: '/', route: { kind: 'index' } },
  { target: '/?stream=cam1', route: { kind: 'index' } },
  { target: '/healthz', route: { kind: 'healthz' } },
  { target: '/web/player.js?v=0123abcd', route: { kind: 'web-asset', name: 'player.js' } },
  { target: '/web/console.css', method: 'HEAD', route: { kind: 'web-asset', name: 'console.css' } },
  { target: '/live/cam1/login', method: 'POST', route: { kind: 'play-login', app: 'live', stream: 'cam1', path: 'live/cam1' } },
  { target: '/live/cam1/logout', method: 'POST', route: { kind: 'play-logout', app: 'live', stream: 'cam1', path: 'live/cam1' } },
  // An app called `web` still plays: only `/web/<name>.js|.css` is an asset.
  { target: '/web/cam1.flv', route: { kind: 'flv', app: 'web', stream: 'cam1', path: 'web/cam1' } },
  { target: '/metrics', method: 'HEAD', route: { kind: 'metrics' } },
  { target: '/live/cam1.flv', route: { kind: 'flv', app: 'live', stream: 'cam1', path: 'live/cam1' } },
  { target: '/live/cam1.flv?token=x', route: { kind: 'flv', app: 'live', stream: 'cam1', path: 'live/cam1' } },
  { target: '/live/sub/cam%201.flv', route: { kind: 'flv', app: 'live', stream: 'sub/cam 1', path: 'live/sub/cam 1' } },
  // One canonical identity: case folded, split at the first segment like every other protocol.
  { target: '/LIVE/Carol-X/Feed.flv', route: { kind: 'flv', app: 'live', stream: 'carol-x/feed', path: 'live/carol-x/feed' } },
  { target: '/live/cam1/index.m3u8', route: { kind: 'hls-playlist', app: 'live', stream: 'cam1', path: 'live/cam1' } },
  { target: '/live/cam1/17.ts', route: { kind: 'hls-segment', app: 'live', stream: 'cam1', path: 'live/cam1', segment: '17.ts' } },
  { target: '/live/cam1/index.m3u8', method: 'OPTIONS', route: { kind: 'preflight' } },
  { target: '/open/1', method: 'POST', route: { kind: 'rtmpt' } },
  { target: '/idle/abc/3', method: 'POST', route: { kind: 'rtmpt' } },
  { target: '/fcs/ident2', method: 'POST', route: { kind: 'rtmpt' } },
  { target: '/console', route: { kind: 'console-page' } },
  { target: '/console/', method: 'HEAD', route: { kind: 'console-page' } },
  // The console API takes every method (its own 404s come after the admin token is checked).
  { target: '/console/api/snapshot', route: { kind: 'console-api', rest: ['snapshot'] } },
  { target: '/console/api/users/alice/grants/revoke', method: 'POST', route: { kind: 'console-api', rest: ['users', 'alice', 'grants', 'revoke'] } },
  { target: '/console/api/users/alice', method: 'DELETE', route: { kind: 'console-api', rest: ['users', 'alice'] } },
  // Other paths under /console stay streams of an app called console.
  { target: '/console/cam1.flv', route: { kind: 'flv', app: 'console', stream: 'cam1', path: 'console/cam1' } },
];

const refused: { target: string; method?: string; code: string; status: number }[] = [
  { target: '/favicon.ico', code: 'HTTP_NOT_FOUND', status: 404 },
  { target: '/console', method: 'POST', code: 'HTTP_METHOD_NOT_ALLOWED', status: 405 },
  { target: '/live/cam1/../../x.ts', code: 'HTTP_PATH_TRAVERSAL', status: 400 },
  { target: '/live/cam1/segment.ts', code: 'HTTP_NOT_FOUND', status: 404 },
  { target: '/live/.flv', code: 'HTTP_BAD_STREAM_NAME', status: 400 },
  { target: `/live/${'s'.repeat(300)}.flv`, code: 'HTTP_BAD_STREAM_NAME', status: 400 },
  { target: '/live/cam%3F1.flv', code: 'HTTP_BAD_STREAM_NAME', status: 400 },
  { target: '/live/cam1.flv', method: 'POST', code: 'HTTP_METHOD_NOT_ALLOWED', status: 405 },
  { target: '/metrics', method: 'DELETE', code: 'HTTP_METHOD_NOT_ALLOWED', status: 405 },
  { target: '/web/../ingest/src/main.ts', code: 'HTTP_PATH_TRAVERSAL', status: 400 },
  { target: '/web/sub/player.js', code: 'HTTP_NOT_FOUND', status: 404 },
  { target: '/web/Player.JS', code: 'HTTP_NOT_FOUND', status: 404 },
  { target: '/live/cam1/login', code: 'HTTP_LOGIN_METHOD_NOT_ALLOWED', status: 405 },
  { target: '/live/cam1/logout', code: 'HTTP_LOGIN_METHOD_NOT_ALLOWED', status: 405 },
];

describe('routeHttpRequest', () => {
  for (const r of routes) {
    it(`routes ${r.method ?? 'GET'} ${r.target} to ${r.route.kind}`, () => expect(route(r.method ?? 'GET', r.target)).toEqual(r.route));
  }
  for (const r of refused) {
    it(`refuses ${r.method ?? 'GET'} ${r.target.slice(0, 40)} with ${r.code} (${r.status})`, () => {
      const code = codeOf(() => route(r.method ?? 'GET', r.target));
      expect(code).toBe(r.code);
      expect(httpErrorStatus(code!)).toBe(r.status);
    });
  }

  it('routes every path the same when asked again, and refuses again what it refused (no refusal is remembered)', () => {
    for (const r of routes) expect(route(r.method ?? 'GET', r.target)).toEqual(r.route);
    for (const r of refused) expect(codeOf(() => route(r.method ?? 'GET', r.target))).toBe(r.code);
    expect(route('GET', '*')).toEqual({ kind: 'index' });
  });

  it('routes what the parser produced from ffplay bytes', () => {
    const [req] = new HttpRequestParser().push(ascii('GET /live/cam1.flv HTTP/1.1\r\nHost: h\r\n\r\n'));
    expect(routeHttpRequest(req!)).toEqual({ kind: 'flv', app: 'live', stream: 'cam1', path: 'live/cam1' });
  });
});

describe('normalizeRequestPath', () => {
  it('drops empty and dot segments, decodes each segment and keeps the raw query', () => {
    expect(normalizeRequestPath('/a//./b%2Bc/?x=%2F')).toEqual({ path: '/a/b+c', segments: ['a', 'b+c'], query: 'x=%2F' });
    expect(normalizeRequestPath('*')).toEqual({ path: '*', segments: [], query: '' });
    expect(normalizeRequestPath('http://h')).toEqual({ path: '/', segments: [], query: '' });
  });

  it('refuses a fragment, spaces and non-ASCII bytes in the target', () => {
    for (const t of ['/a#b', '/a b', '/caf\u00e9', '/a\u0000']) expect(codeOf(() => normalizeRequestPath(t))).toBe('HTTP_BAD_REQUEST_LINE');
  });
});

describe('response framing', () => {
  it('writes a status line and fields ending in an empty line', () => {
    const head = Buffer.from(encodeHttpResponseHead(404, { 'Content-Length': 0, Connection: 'close' })).toString('latin1');
    expect(head).toBe('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    expect(() => encodeHttpResponseHead(200, { 'X-Bad': 'a\r\nInjected: 1' })).toThrow(TypeError);
  });

  it('writes the RFC 9110 reason phrase of every status the listener and its console send (never "Unknown")', () => {
    const statusLine = (status: number): string => Buffer.from(encodeHttpResponseHead(status)).toString('latin1').split('\r\n')[0]!;
    expect(statusLine(401)).toBe('HTTP/1.1 401 Unauthorized');
    expect(statusLine(409)).toBe('HTTP/1.1 409 Conflict');
    expect(statusLine(502)).toBe('HTTP/1.1 502 Bad Gateway');
    expect(statusLine(499)).toBe('HTTP/1.1 499 Client Error');
    for (const status of [...Object.values(HTTP_ERROR_STATUS), 200, 204, 304, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504]) {
      expect(statusLine(status)).toMatch(new RegExp(`^HTTP/1\\.1 ${status} (?!Client Error|Server Error|Unknown)[A-Z]`));
    }
  });

  it('frames body chunks that our own parser de-chunks back', () => {
    const parts = [ascii('FLV'), new Uint8Array(0), new Uint8Array(300).fill(7)];
    const body = Buffer.concat([...parts.map(encodeHttpChunk), HTTP_LAST_CHUNK]);
    expect(body.subarray(0, 8).toString('latin1')).toBe('3\r\nFLV\r\n');
    const head = ascii('POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n');
    const [req] = new HttpRequestParser().push(Buffer.concat([head, body]));
    expect(Buffer.from(req!.body).equals(Buffer.concat(parts))).toBe(true);
  });

  it('gives HLS answers their media types, CORS and live caching', () => {
    expect(hlsResponseHeaders('playlist', 2)).toMatchObject({
      'Content-Type': 'application/vnd.apple.mpegurl',
      'Cache-Control': 'max-age=1',
      'Access-Control-Allow-Origin': '*',
    });
    expect(hlsResponseHeaders('segment')['Content-Type']).toBe('video/mp2t');
    expect(CORS_HEADERS['Access-Control-Allow-Methods']).toContain('OPTIONS');
  });
});
