import { createServer, type Server, type Socket } from 'node:net';
import type { MetricsSetup } from '#ingest/metrics/metrics-setup.js';
import { type HlsReadyAnswer, ifNoneMatchHits } from '#ingest/protocols/hls/hls-ready-answer.js';
import { hlsResponseHeaders } from '#ingest/protocols/hls/hls-response-headers.js';
import { browserOrigin } from '#ingest/protocols/http/browser-origin.js';
import { CORS_HEADERS } from '#ingest/protocols/http/cors-headers.js';
import { encodeHttpResponseHead } from '#ingest/protocols/http/encode-http-response-head.js';
import { httpErrorStatus } from '#ingest/protocols/http/http-error-status.js';
import { httpFlvReadsOpus } from '#ingest/protocols/http/http-flv-reads-opus.js';
import { HttpRequestParser, headerValue, type HttpRequest } from '#ingest/protocols/http/http-request-parser.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ROUTE_METHODS, routeHttpRequest, type HttpRoute } from '#ingest/protocols/http/http-route.js';
import type { ConnectionPendingBytes } from '#ingest/protocols/pending-bytes-budget.js';
import { ProtocolError } from '#ingest/protocols/protocol-error.js';
import { rtmptErrorStatus } from '#ingest/protocols/rtmpt/rtmpt-tunnel.js';
import type { ConnectionEntry } from '../connection-registry.js';
import { TrackedConnection } from '../tracked-connection.js';
import { DirectSocketWriter } from '../direct-socket-write.js';
import { LoopTurnWriteBudget } from '../loop-turn-write-budget.js';
import { readIntoSharedBuffer } from '../shared-read-buffer.js';
import type { HlsOutputs } from './hls-output.js';
import { HlsSegmentToken } from './hls-segment-token.js';
import { CONSOLE_PREVIEW_COOKIE } from './console-preview-cookie.js';
import { PLAY_SESSION_COOKIE, PlaySessionCookie, cookieValue } from './play-session-cookie.js';
import { hlsTokenizedPlaylist } from './hls-tokenized-playlist.js';
import { serveHttpFlv } from './http-flv-reader.js';
import { checkHttpPlay, type HttpPlayCheck } from './http-play-auth.js';
import type { IngestContext } from '../ingest-context.js';
import type { RtmptBridge } from '../rtmp/rtmpt-bridge.js';
import { playerPage } from './web/player-page.js';
import type { WebAssets } from './web/web-assets.js';
import type { ConsoleApi } from './console/console-api.js';
import { CONSOLE_PAGE_HEADERS, consolePage } from './web/console-page.js';

/** Timings and bounds of the HTTP listener. */
export interface HttpServerOptions {
  /** A request head not complete this long after its first byte gets 408 (slow headers). */
  readonly headersTimeoutMs: number;
  /** A keep-alive connection with no request this long is closed. */
  readonly idleTimeoutMs: number;
  readonly maxConnections: number;
  /**
   * HMAC key of the HLS segment tokens handed out while player auth is required (tokens then hold
   * across restarts and on every task sharing it); random per process when absent.
   */
  readonly segmentTokenKey?: Uint8Array;
  /**
   * Set on a cluster task's private pull listener: every request needs `Authorization: Bearer
   * <token>`, only streams published on this task are served (HTTP-FLV and HLS, no player auth),
   * nothing else is routed.
   */
  readonly internalToken?: string;
}

/** The parts of the ingest the HTTP listener serves. */
export interface HttpServerDeps {
  readonly ctx: IngestContext;
  readonly metrics: MetricsSetup;
  readonly hls: HlsOutputs;
  readonly rtmpt: RtmptBridge;
  /** `/metrics` on this listener (default); off when a health listener serves it instead. */
  readonly serveMetrics?: boolean;
  /** The web console's API (`/console/api/…`); without it the console answers 404. */
  readonly console?: ConsoleApi;
  /** The pages' browser scripts (`/web/…`); without it `/` and `/web/…` answer 404. */
  readonly web?: WebAssets;
}

/** A route that plays a stream (what player auth guards). */
type PlayRoute = Extract<HttpRoute, { kind: 'flv' | 'hls-playlist' | 'hls-segment' }>;

/** The segment token (`t=`) of a request's query, if any; the query is bounded by the URI limit. */
function segmentTokenOf(query: string): string | undefined {
  if (query === '') return undefined;
  return new URLSearchParams(query).get('t') ?? undefined;
}

/**
 * How long an HLS segment token lives: a few target durations, so a player that refreshes the
 * playlist every target duration always holds fresh ones (RFC 8216 §6.3.4), with a floor for
 * short targets.
 */
function segmentTokenLifetime(targetDuration: number): number {
  return Math.max(12, 6 * targetDuration);
}

/** How long a player login of the page holds (a working day); every play is still authorized and re-checked. */
const PLAY_SESSION_SECONDS = 12 * 3600;

interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | number>>;
  readonly body: Uint8Array;
  /** Close the connection after this answer. */
  readonly close?: boolean;
  /** The answer's bytes made beforehand (head, then body), written as they are on a kept-alive connection. */
  readonly wire?: readonly Buffer[];
}

const EMPTY = new Uint8Array(0);
/** A ready answer at least this long (an HLS segment; a playlist is far smaller) is written under the LoopTurnWriteBudget. */
const LARGE_ANSWER_BYTES = 64 * 1024;
/** Requests a connection may have waiting while its large answer waits for its turn (a pipelining client); past it, reading stops. */
const MAX_QUEUED_REQUESTS = 16;
/** Answers about a login are never cached. */
const NO_STORE = { 'Cache-Control': 'no-store' };

/** `Authorization: Bearer <expected>`, compared as SHA-256 digests in constant time. */
function bearerMatches(header: string | undefined, expected: string): boolean {
  const m = header === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (m === null) return false;
  return timingSafeEqual(createHash('sha256').update(m[1]!).digest(), createHash('sha256').update(expected).digest());
}

/** A body that is one of our stable codes (`HTTP_NOT_FOUND\n`): also sent as a field, so a HEAD request or a script learns it. */
const CODE_BODY = /^([A-Z][A-Z0-9_]{2,63})\n$/;

function text(status: number, body: string, headers: Record<string, string> = {}, close = false): Answer {
  const code = status >= 400 ? CODE_BODY.exec(body)?.[1] : undefined;
  return {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', ...(code ? { 'X-Streamgate-Code': code } : {}), ...headers },
    body: Buffer.from(body),
    close,
  };
}

function json(status: number, value: unknown): Answer {
  return {
    status,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
    body: Buffer.from(JSON.stringify(value)),
  };
}

/** A coded refusal: the status mapped once from the ProtocolError code (STYLE habit 8). */
function refusal(err: ProtocolError, close: boolean): Answer {
  const status = err.code.startsWith('RTMPT_') ? rtmptErrorStatus(err.code) : httpErrorStatus(err.code);
  const headers: Record<string, string> = {};
  if (err.code === 'HTTP_METHOD_NOT_ALLOWED') headers.Allow = ROUTE_METHODS.read.join(', ');
  if (err.code === 'HTTP_LOGIN_METHOD_NOT_ALLOWED') headers.Allow = ROUTE_METHODS.login.join(', ');
  if (err.code === 'RTMPT_METHOD_NOT_ALLOWED') headers.Allow = 'POST';
  if (close) headers.Connection = 'close';
  return text(status, `${err.code}\n`, headers, close);
}

/**
 * One HTTP connection: the committed HttpRequestParser (bounded URI, head and body; coded errors)
 * fed by the socket, requests answered in order (pipelining included), a slow-header deadline
 * while a request head is incomplete, an idle deadline between requests, reading paused while an
 * answer waits (HLS first segment) or the socket's buffer is full.
 */
class HttpConnection {
  private readonly parser: HttpRequestParser;
  /** Request heads and bodies being assembled: a small bound unless they carry an RTMPT publisher's media. */
  private readonly pendingBytes: ConnectionPendingBytes;
  private readonly queue: HttpRequest[] = [];
  private readonly entry: ConnectionEntry;
  private busy = false;
  /** The socket belongs to an HTTP-FLV reader now. */
  private handedOver = false;
  private closed = false;
  private headerTimer: NodeJS.Timeout | undefined;
  /** Registry entry and byte counters. */
  private readonly conn: TrackedConnection;
  /** Ready-made answers go straight to the kernel when nothing is queued (made on first use). */
  private direct: DirectSocketWriter | undefined;
  /** Reading stopped because requests piled up behind a large answer waiting for its turn. */
  private pausedForQueue = false;

  constructor(
    private readonly socket: Socket,
    private readonly options: HttpServerOptions,
    private readonly deps: HttpServerDeps,
    private readonly tokens: HlsSegmentToken,
    private readonly sessions: PlaySessionCookie,
    private readonly largeWrites: LoopTurnWriteBudget,
  ) {
    this.pendingBytes = deps.ctx.pendingBytes.open();
    this.parser = new HttpRequestParser({
      pending: this.pendingBytes,
      onHead: (_method, target) => {
        if (!this.pendingBytes.authorized && deps.rtmpt.carriesPublisher(target)) this.pendingBytes.authorize();
      },
    });
    const { registry, log } = deps.ctx;
    const remoteAddress = socket.remoteAddress ?? 'unknown';
    this.conn = new TrackedConnection({ registry, log, protocol: 'http', events: 'http', socket, remoteAddress, dump: false, kick: () => socket.destroy() });
    this.entry = this.conn.entry;
    socket.setTimeout(options.idleTimeoutMs, () => {
      if (!this.handedOver) socket.destroy();
    });
    // Reads land in the process's shared read buffer (the parser copies what it keeps): no Buffer
    // and no 'data' event per request.
    const onData = (chunk: Buffer): void => this.onData(chunk);
    if (!readIntoSharedBuffer(socket, onData)) socket.on('data', onData);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.closed = true;
      if (this.headerTimer) clearTimeout(this.headerTimer);
      this.parser.release();
      this.pendingBytes.close();
      this.conn.leave();
    });
  }

  private onData(chunk: Buffer): void {
    if (this.handedOver) return;
    this.conn.bytesIn += chunk.byteLength;
    let requests: HttpRequest[] = [];
    try {
      requests = this.parser.push(chunk);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
    }
    this.queue.push(...requests);
    this.armHeaderTimer();
    this.pump();
    if (this.busy && this.queue.length >= MAX_QUEUED_REQUESTS && !this.socket.isPaused()) {
      this.pausedForQueue = true;
      this.socket.pause();
    }
  }

  private armHeaderTimer(): void {
    if (this.parser.idle || this.parser.error) {
      if (this.headerTimer) clearTimeout(this.headerTimer);
      this.headerTimer = undefined;
    } else if (this.headerTimer === undefined) {
      this.headerTimer = setTimeout(() => {
        this.headerTimer = undefined;
        if (this.closed || this.handedOver || this.parser.idle) return;
        this.deps.ctx.log.warn('http.headers-timeout', { conn: this.entry.id, remote: this.entry.remoteAddress });
        this.send(text(408, 'HTTP_HEADERS_TIMEOUT\n', { Connection: 'close' }, true));
      }, this.options.headersTimeoutMs);
      this.headerTimer.unref();
    }
  }

  private write(bytes: Uint8Array): boolean {
    return this.conn.write(bytes);
  }

  /** An HTTP-FLV body: straight to the kernel when nothing is queued (see DirectSocketWriter). */
  private writeMedia(direct: DirectSocketWriter, bytes: Uint8Array): boolean {
    if (this.socket.destroyed) return false;
    this.conn.bytesOut += bytes.byteLength;
    return direct.write(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  private pump(): void {
    while (!this.busy && !this.handedOver && !this.closed) {
      const request = this.queue.shift();
      if (request === undefined) break;
      const result = this.handle(request);
      if (result instanceof Promise) {
        this.busy = true;
        this.socket.pause();
        void result.then(
          (answer) => this.finish(request, answer),
          (err: unknown) => this.finish(request, this.internalError(err)),
        );
        return;
      }
      if (result !== undefined) this.send(result, request);
    }
    if (this.queue.length === 0 && this.parser.error && !this.closed && !this.handedOver) {
      const err = this.parser.error;
      this.deps.ctx.log.warn('http.protocol-error', { conn: this.entry.id, code: err.code, message: err.message });
      this.deps.metrics.ingest.protocolErrors.inc({ protocol: 'http', code: err.code });
      this.send(refusal(err, true));
    }
  }

  private finish(request: HttpRequest, answer: Answer | undefined): void {
    this.busy = false;
    if (this.closed) return;
    if (answer === undefined) {
      // An HTTP-FLV reader took the socket after an auth decision: let its close be seen.
      if (this.handedOver) this.socket.resume();
      return;
    }
    this.send(answer, request);
    this.socket.resume();
    this.pump();
  }

  private internalError(err: unknown): Answer {
    this.deps.ctx.log.error('http.internal-error', { conn: this.entry.id, err });
    return text(500, 'INTERNAL\n', { Connection: 'close' }, true);
  }

  private send(answer: Answer, request?: HttpRequest): void {
    if (this.closed || this.socket.destroyed) return;
    const close = answer.close === true || (request !== undefined && !request.keepAlive);
    let ok: boolean;
    if (answer.wire !== undefined && !close) {
      // A ready-made HLS answer: one vectored write of its shared buffers, nothing built per request.
      const wire = request?.method === 'HEAD' ? answer.wire.slice(0, 1) : answer.wire;
      let bytes = 0;
      for (const b of wire) bytes += b.byteLength;
      if (bytes >= LARGE_ANSWER_BYTES && !this.largeWrites.admit(bytes)) {
        // The connection's next requests wait for it (answers stay in order).
        this.busy = true;
        this.largeWrites.defer(bytes, () => this.writeLarge(wire, bytes));
        return;
      }
      ok = this.writeWire(wire, bytes);
    } else {
      // A 204 or 304 has no body and no Content-Length of its own (RFC 9110 §8.6).
      const length: Record<string, number> = answer.status === 204 || answer.status === 304 ? {} : { 'Content-Length': answer.body.length };
      const headers = { ...answer.headers, ...length, ...(close ? { Connection: 'close' } : {}) };
      ok = this.write(encodeHttpResponseHead(answer.status, headers));
      if (request?.method !== 'HEAD' && answer.body.length > 0) ok = this.write(answer.body);
    }
    if (close) {
      this.closed = true;
      this.socket.end();
    } else if (!ok) {
      // Stop reading requests until the client reads its answers (backpressure).
      this.socket.pause();
      this.socket.once('drain', () => this.socket.resume());
    }
  }

  private writeWire(wire: readonly Buffer[], bytes: number): boolean {
    this.conn.bytesOut += bytes;
    this.direct ??= new DirectSocketWriter(this.socket);
    return this.direct.writeAll(wire);
  }

  /** A large ready answer's turn came: write it, then go on with the requests that waited. */
  private writeLarge(wire: readonly Buffer[], bytes: number): void {
    this.busy = false;
    if (this.closed || this.socket.destroyed) return;
    if (this.writeWire(wire, bytes)) {
      if (this.pausedForQueue) this.socket.resume();
    } else {
      this.socket.pause();
      this.socket.once('drain', () => this.socket.resume());
    }
    this.pausedForQueue = false;
    this.pump();
  }

  private handle(request: HttpRequest): Answer | Promise<Answer | undefined> | undefined {
    let route: HttpRoute;
    try {
      route = routeHttpRequest(request);
    } catch (err) {
      if (err instanceof ProtocolError) return refusal(err, false);
      throw err;
    }
    const { ctx, rtmpt, metrics } = this.deps;
    if (this.options.internalToken !== undefined) return this.internal(request, route, this.options.internalToken);
    switch (route.kind) {
      case 'index': {
        const web = this.deps.web;
        if (web === undefined) return text(404, 'HTTP_NOT_FOUND\n');
        return web.url('player.js').then((scriptUrl) => ({
          status: 200,
          headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' },
          body: Buffer.from(playerPage({ scriptUrl, defaultApp: 'live', playAuth: ctx.config.playAuth === 'required' })),
        }));
      }
      case 'web-asset': {
        const web = this.deps.web;
        if (web === undefined) return text(404, 'HTTP_NOT_FOUND\n');
        return web
          .answer(route.name, {
            ifNoneMatch: headerValue(request.headers, 'If-None-Match'),
            acceptEncoding: headerValue(request.headers, 'Accept-Encoding'),
            version: new URLSearchParams(request.query).get('v') ?? undefined,
          })
          .then((answer) => {
            if (answer.status === 503) ctx.log.error('http.web-assets-unavailable', { conn: this.entry.id, err: web.error });
            return answer;
          });
      }
      case 'play-login':
        return this.playLogin(request, route);
      case 'play-logout':
        return this.playLogout(request, route);
      case 'console-page': {
        const web = this.deps.web;
        if (web === undefined || this.deps.console === undefined) return text(404, 'HTTP_NOT_FOUND\n');
        return Promise.all([web.url('console.js'), web.url('console.css')]).then(([scriptUrl, styleUrl]) => ({
          status: 200,
          headers: CONSOLE_PAGE_HEADERS,
          body: Buffer.from(consolePage({ scriptUrl, styleUrl })),
        }));
      }
      case 'console-api':
        return this.deps.console === undefined ? text(404, 'HTTP_NOT_FOUND\n') : this.deps.console.handle(request, route.rest, this.entry.remoteAddress);
      case 'healthz':
        return ctx.state.draining ? json(503, { status: 'draining' }) : json(200, { status: 'ok' });
      case 'metrics':
        if (this.deps.serveMetrics === false) return text(404, 'HTTP_NOT_FOUND\n', CORS_HEADERS);
        return text(200, metrics.registry.render(), { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      case 'preflight':
        // A browser player may send Basic credentials itself (hls.js xhrSetup, mpegts.js headers).
        return { status: 204, headers: { ...CORS_HEADERS, 'Access-Control-Allow-Headers': `${CORS_HEADERS['Access-Control-Allow-Headers']}, Authorization` }, body: EMPTY };
      case 'rtmpt':
        try {
          return rtmpt.handle(request.method, request.segments, request.body, this.entry.remoteAddress);
        } catch (err) {
          if (err instanceof ProtocolError) return refusal(err, false);
          throw err;
        }
      case 'flv':
      case 'hls-playlist':
      case 'hls-segment':
        return ctx.config.playAuth === 'required' ? this.authorizedPlay(request, route) : this.play(request, route);
    }
  }

  /**
   * Player auth over HTTP (STREAMGATE_PLAY_AUTH=required): a segment request with a `t=` token is
   * decided by the token alone (valid → served; forged, for another stream or expired → 403);
   * everything else goes to the authorizer with the request's Basic or `?user=&pass=`
   * credentials (checkHttpPlay maps the decision: 401/403/429/503/400). Decided before the
   * stream's existence is told, so an anonymous client cannot probe stream names.
   */
  private authorizedPlay(request: HttpRequest, route: PlayRoute): Answer | Promise<Answer | undefined> | undefined {
    const { ctx } = this.deps;
    const authorizer = ctx.authorizer;
    // No authorizer configured: nothing can check credentials, so HTTP playback stays closed.
    if (authorizer === undefined) return text(403, 'HTTP_PLAY_AUTH_REQUIRED\n', CORS_HEADERS);
    if (this.consolePreviews(request, route)) return this.play(request, route, 'console-preview');
    if (route.kind === 'hls-segment') {
      const token = segmentTokenOf(request.query);
      if (token !== undefined) {
        const check = this.tokens.verify(route.path, token, Date.now());
        if (check === 'valid') return this.play(request, route);
        const code = check === 'expired' ? 'HTTP_SEGMENT_TOKEN_EXPIRED' : 'HTTP_SEGMENT_TOKEN_INVALID';
        ctx.log.info('http.play-denied', { conn: this.entry.id, remote: this.entry.remoteAddress, path: route.path, status: 403, code });
        return text(403, `${code}\n`, CORS_HEADERS);
      }
    }
    const target = { app: route.app, stream: route.stream, ip: this.entry.remoteAddress };
    // The player page's own requests say so: a 401 without a challenge lets the page ask for the login itself.
    const noChallenge = headerValue(request.headers, 'X-Streamgate-Player') !== undefined;
    return checkHttpPlay(authorizer, request, target, { session: this.sessions, noChallenge }).then((check) => {
      if (!check.allowed) {
        ctx.log.info('http.play-denied', { conn: this.entry.id, remote: this.entry.remoteAddress, path: route.path, status: check.status, code: check.code });
        return text(check.status, `${check.code}\n`, { ...CORS_HEADERS, ...check.headers });
      }
      if (this.closed) return undefined;
      return this.play(request, route, check);
    });
  }

  /**
   * Whether the request carries the web console's preview grant for its stream (ConsolePreviewCookie:
   * handed out by the console API to an admin-token holder, one stream, ten minutes). Logged as
   * `http.play-console-preview` (HLS playlist and segment requests at debug level: a player makes
   * one every few seconds).
   */
  private consolePreviews(request: HttpRequest, route: PlayRoute): boolean {
    const api = this.deps.console;
    if (api === undefined || !api.enabled) return false;
    const value = cookieValue(headerValue(request.headers, 'Cookie'), CONSOLE_PREVIEW_COOKIE);
    if (!api.preview.grants(value, route.path, Date.now())) return false;
    const fields = { conn: this.entry.id, remote: this.entry.remoteAddress, path: route.path, kind: route.kind };
    if (route.kind === 'flv') this.deps.ctx.log.info('http.play-console-preview', fields);
    else this.deps.ctx.log.debug('http.play-console-preview', fields);
    return true;
  }

  /**
   * The player page's login (`POST /APP/STREAM/login` with `Authorization: Basic`): the same check
   * as a play of that stream, credentials from the header only; allowed → 204 with the sealed
   * PlaySessionCookie (`Secure` when the page was reached over HTTPS), denied → the play refusal's
   * status and code (no challenge: the page shows it). Sent from another site's page → 403
   * HTTP_CROSS_SITE. With play auth off there is nothing to log in to: 204, no cookie.
   */
  private playLogin(request: HttpRequest, route: Extract<HttpRoute, { kind: 'play-login' }>): Answer | Promise<Answer> {
    const { ctx } = this.deps;
    const origin = browserOrigin(request.headers);
    if (origin.crossSite) return this.crossSite('http.play-login-denied', route.path);
    if (ctx.config.playAuth !== 'required') return { status: 204, headers: NO_STORE, body: EMPTY };
    const authorizer = ctx.authorizer;
    if (authorizer === undefined) return text(403, 'HTTP_PLAY_AUTH_REQUIRED\n', NO_STORE);
    const target = { app: route.app, stream: route.stream, ip: this.entry.remoteAddress };
    return checkHttpPlay(authorizer, { headers: request.headers, query: '' }, target, { noChallenge: true }).then((check) => {
      const log = { conn: this.entry.id, remote: this.entry.remoteAddress, path: route.path };
      if (!check.allowed) {
        ctx.log.info('http.play-login-denied', { ...log, status: check.status, code: check.code });
        return text(check.status, `${check.code}\n`, { ...NO_STORE, ...check.headers });
      }
      const credentials = check.request.credentials;
      if (credentials.kind !== 'password') return text(400, 'HTTP_AUTH_BAD_REQUEST\n', NO_STORE);
      ctx.log.info('http.play-login', { ...log, user: credentials.user, secure: origin.https });
      const cookie = this.sessions.seal({ user: credentials.user, password: credentials.password }, Date.now());
      return { status: 204, headers: { ...NO_STORE, 'Set-Cookie': this.sessions.setCookie(cookie, { secure: origin.https }) }, body: EMPTY };
    });
  }

  /**
   * The player page's logout (`POST /APP/STREAM/logout`): 204 with a Set-Cookie that removes the
   * login cookie (one cookie serves every stream, so this ends the login for all of them), whether
   * or not one was sent; from another site's page → 403 HTTP_CROSS_SITE, the cookie stays.
   */
  private playLogout(request: HttpRequest, route: Extract<HttpRoute, { kind: 'play-logout' }>): Answer {
    const origin = browserOrigin(request.headers);
    if (origin.crossSite) return this.crossSite('http.play-logout-denied', route.path);
    const value = cookieValue(headerValue(request.headers, 'Cookie'), PLAY_SESSION_COOKIE);
    const user = value === undefined ? undefined : this.sessions.open(value, Date.now())?.user;
    this.deps.ctx.log.info('http.play-logout', { conn: this.entry.id, remote: this.entry.remoteAddress, path: route.path, ...(user ? { user } : {}) });
    return { status: 204, headers: { ...NO_STORE, 'Set-Cookie': this.sessions.setCookie('', { clear: true, secure: origin.https }) }, body: EMPTY };
  }

  /** A login or logout sent by another site's page (a forged form or script): refused, nothing set. */
  private crossSite(event: string, path: string): Answer {
    this.deps.ctx.log.info(event, { conn: this.entry.id, remote: this.entry.remoteAddress, path, status: 403, code: 'HTTP_CROSS_SITE' });
    return text(403, 'HTTP_CROSS_SITE\n', NO_STORE);
  }

  /** Re-asks the authorizer when an HTTP-FLV reader's answer expires; a revoked grant ends the response. */
  private watch(check: Extract<HttpPlayCheck, { allowed: true }>): void {
    const authorizer = this.deps.ctx.authorizer;
    const first = check.decision.recheckAtMs;
    if (authorizer === undefined || first === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const arm = (at: number): void => {
      timer = setTimeout(() => {
        void authorizer.recheck(check.request).then((d) => {
          if (this.socket.destroyed) return;
          if (!d.allowed) {
            this.deps.ctx.log.info('http.play-revoked', { conn: this.entry.id, reason: d.reason });
            this.socket.destroy();
          } else if (d.recheckAtMs !== undefined) arm(d.recheckAtMs);
        });
      }, Math.max(0, at - Date.now()));
      timer.unref();
    };
    arm(first);
    this.socket.once('close', () => clearTimeout(timer));
  }

  /** The cluster pull listener: bearer first, then only streams whose publisher is on this task. */
  private internal(request: HttpRequest, route: HttpRoute, token: string): Answer | Promise<Answer | undefined> | undefined {
    if (route.kind === 'healthz') return json(200, { status: 'ok' });
    if (!bearerMatches(headerValue(request.headers, 'Authorization'), token)) {
      this.deps.ctx.log.warn('cluster.pull-denied', { conn: this.entry.id, remote: this.entry.remoteAddress });
      return text(401, 'HTTP_UNAUTHORIZED\n', {}, true);
    }
    // Another task's console reading this task's streams or acting on them (the cluster token is the authority).
    if (route.kind === 'console-api') return this.deps.console === undefined ? text(404, 'HTTP_NOT_FOUND\n') : this.deps.console.handleFromTask(request, route.rest, this.entry.remoteAddress);
    if (route.kind !== 'flv' && route.kind !== 'hls-playlist' && route.kind !== 'hls-segment') return text(404, 'HTTP_NOT_FOUND\n');
    // An edge pull is never served on: a stream is pulled from its owner only, so pulls never chain or loop.
    const publisher = this.deps.ctx.hub.streamInfo(route.path)?.publisher;
    if (publisher === undefined || publisher.protocol === 'edge') return text(404, 'HTTP_NOT_FOUND\n');
    return this.play(request, route, undefined, true);
  }

  /** Serves a play route; `check` is the grant when player auth is on. */
  private play(request: HttpRequest, route: PlayRoute, check?: PlayGrant, internal = false): Answer | Promise<Answer | undefined> | undefined {
    const { ctx, hls, metrics } = this.deps;
    const path = route.path;
    // In a cluster, a stream published on another task: HTTP-FLV through a local edge pull, HLS
    // from the owner's segmenter (so every task lists the same segments).
    const cluster = internal ? undefined : ctx.cluster;
    if (cluster !== undefined && !cluster.isOrigin(path)) {
      if (route.kind === 'flv' && !ctx.hub.isLive(path) && !ctx.state.draining) {
        return cluster.ensureLive(path).then((live) => (live ? this.play(request, route, check, true) : text(404, 'HTTP_NOT_FOUND\n')));
      }
      if (route.kind !== 'flv') {
        const file = route.kind === 'hls-playlist' ? 'index.m3u8' : route.segment;
        return cluster.hls(path, file, Math.min(1000, (hls.targetDuration * 1000) / 2)).then((bytes) => {
          if (bytes === undefined) return text(404, 'HTTP_NOT_FOUND\n', CORS_HEADERS);
          if (route.kind === 'hls-segment') return { status: 200, headers: hlsResponseHeaders('segment'), body: bytes };
          const playlist = Buffer.from(bytes).toString('utf8');
          const body = check === undefined ? playlist : hlsTokenizedPlaylist(playlist, this.tokens.issue(path, Date.now()));
          return { status: 200, headers: hlsResponseHeaders('playlist', hls.targetDuration), body: Buffer.from(body) };
        });
      }
    }
    switch (route.kind) {
      case 'flv': {
        if (ctx.state.draining && !internal) return json(503, { status: 'draining' });
        if (!ctx.hub.isLive(path)) return text(404, 'HTTP_NOT_FOUND\n');
        this.handedOver = true;
        this.socket.setTimeout(0);
        const direct = new DirectSocketWriter(this.socket);
        serveHttpFlv(
          this.socket,
          { path, version: request.version, head: request.method === 'HEAD', opus: httpFlvReadsOpus(request.query), ...(this.options.internalToken !== undefined ? { readerProtocol: 'cluster' as const } : {}) },
          this.entry,
          { hub: ctx.hub, log: ctx.log, metrics: metrics.ingest },
          (bytes) => this.writeMedia(direct, bytes),
        );
        if (typeof check === 'object') this.watch(check);
        return undefined;
      }
      case 'hls-playlist': {
        // Served at once from the ready answer when the output runs; a tokenized playlist is per client.
        const ready = check === undefined ? hls.readyPlaylist(path) : undefined;
        if (ready !== undefined) return readyAnswer(request, ready);
        return hls.playlist(path).then((playlist) => {
          if (playlist === undefined) return text(404, 'HTTP_NOT_FOUND\n', CORS_HEADERS);
          const now = check === undefined ? hls.readyPlaylist(path) : undefined;
          if (now !== undefined) return readyAnswer(request, now);
          // Authorized: the segment URIs carry a short-lived token instead of the credentials.
          const body = check === undefined ? playlist : hlsTokenizedPlaylist(playlist, this.tokens.issue(path, Date.now()));
          return { status: 200, headers: hlsResponseHeaders('playlist', hls.targetDuration), body: Buffer.from(body) };
        });
      }
      case 'hls-segment': {
        const ready = hls.readySegment(path, route.segment);
        return ready === undefined ? text(404, 'HTTP_NOT_FOUND\n', CORS_HEADERS) : readyAnswer(request, ready);
      }
    }
  }
}

/** What lets a play through when player auth is on: the authorizer's decision, or the console's preview grant. */
type PlayGrant = Extract<HttpPlayCheck, { allowed: true }> | 'console-preview';

/** A ready HLS answer for `request`: 304 when its If-None-Match names the current ETag. */
function readyAnswer(request: HttpRequest, ready: HlsReadyAnswer): Answer {
  if (ifNoneMatchHits(headerValue(request.headers, 'If-None-Match'), ready.etag)) {
    return { status: 304, headers: { ETag: ready.etag, 'Cache-Control': ready.headers['Cache-Control']! }, body: EMPTY, wire: [ready.notModified] };
  }
  return { status: 200, headers: ready.headers, body: ready.body, wire: [ready.head, ready.body] };
}

/**
 * The HTTP listener (port 8080): the player page at `/`, the web console at `/console` with its
 * API under `/console/api/` (ConsoleApi), `/healthz` (503 while draining),
 * `/metrics`, the RTMPT tunnel, HTTP-FLV `/APP/STREAM.flv` and HLS `/APP/STREAM/index.m3u8` with
 * its segments. Built on node:net and the committed sans-I/O HttpRequestParser rather than
 * node:http: the parser's named limits give 414 and 431 with stable codes, RTMPT needs every POST
 * answered from its own state machine, and an HTTP-FLV reader takes the raw socket with its write
 * result as the hub's backpressure signal. With STREAMGATE_PLAY_AUTH=required, HTTP-FLV and HLS
 * ask the ingest's authorizer (protocol `http`) with `Authorization: Basic` or `?user=&pass=`;
 * an authorized playlist's segment URIs carry an HlsSegmentToken instead of the credentials.
 */
export function createHttpServer(options: HttpServerOptions, deps: HttpServerDeps): Server {
  const tokens = new HlsSegmentToken(segmentTokenLifetime(deps.hls.targetDuration), options.segmentTokenKey);
  const sessions = new PlaySessionCookie(PLAY_SESSION_SECONDS, options.segmentTokenKey);
  const largeWrites = new LoopTurnWriteBudget();
  const server = createServer({ noDelay: true }, (socket) => new HttpConnection(socket, options, deps, tokens, sessions, largeWrites));
  server.maxConnections = options.maxConnections;
  return server;
}
