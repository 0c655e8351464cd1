import { createHash, timingSafeEqual } from 'node:crypto';
import { FailureThrottle } from '#domain/failure-throttle.js';
import { Hub } from '#ingest/hub/hub.js';
import type { MetricsSetup } from '#ingest/metrics/metrics-setup.js';
import { headerValue, type HttpRequest } from '#ingest/protocols/http/http-request-parser.js';
import type { IngestContext } from '#ingest/servers/ingest-context.js';
import { ConsoleHistory, CONSOLE_HISTORY_DEFAULTS, type ConsoleHistoryOptions } from './console-history.js';
import { askTask, clusterSnapshot } from './cluster-console.js';
import { consoleSnapshot } from './console-snapshot.js';
import { browserOrigin } from '#ingest/protocols/http/browser-origin.js';
import { ConsolePreviewCookie } from '../console-preview-cookie.js';
import { proxyToFunctions } from './functions-proxy.js';

/** An answer of the console API (the HTTP listener writes it). */
export interface ConsoleAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | number>>;
  readonly body: Uint8Array;
}

/** What the console API is built from. */
export interface ConsoleApiOptions {
  readonly ctx: IngestContext;
  readonly metrics: MetricsSetup;
  /** The admin token (STREAMGATE_ADMIN_TOKEN, or the local functions' one); none: the API answers 503. */
  readonly adminToken?: string;
  /** Where the users and relays APIs are (the local functions or the deployed HTTP API). */
  readonly functionsUrl?: string;
  readonly version: string;
  /** Bound ports by listener name, known once the listeners listen. */
  readonly ports: () => Readonly<Record<string, number>>;
  readonly history?: ConsoleHistoryOptions;
  /** The key of the preview cookie (the shared segment-token key; none: random per process). */
  readonly previewKey?: Uint8Array | undefined;
  /** For tests: the fetch the proxy uses. */
  readonly fetchFn?: typeof fetch;
}

/** Wrong tokens from one address within a minute before it gets 429 for the rest of that minute. */
export const CONSOLE_MAX_FAILURES = 10;

/** API responses are never cached, never sniffed, never framed. */
const API_HEADERS = {
  'Content-Type': 'application/json',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
} as const;

function json(status: number, value: unknown, extra: Record<string, string> = {}): ConsoleAnswer {
  return { status, headers: { ...API_HEADERS, ...extra }, body: Buffer.from(JSON.stringify(value)) };
}

function error(status: number, code: string, message: string, extra: Record<string, string> = {}): ConsoleAnswer {
  return json(status, { error: code, message }, extra);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The body of an action as a JSON object, or undefined. */
function objectBody(request: HttpRequest): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(request.body).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A canonical stream path from an action body's `stream`, or undefined. */
function streamOf(body: Record<string, unknown> | undefined): string | undefined {
  const raw = body?.stream;
  if (typeof raw !== 'string' || raw.length > 1024) return undefined;
  try {
    return Hub.path(raw);
  } catch {
    return undefined;
  }
}

/** The connection ids another task's drop-readers answer names, or undefined when it did not answer as one. */
function droppedIn(answer: { status: number; body: Buffer } | undefined): string[] | undefined {
  if (answer?.status !== 200) return undefined;
  try {
    const ids = (JSON.parse(answer.body.toString('utf8')) as { dropped?: unknown }).dropped;
    return Array.isArray(ids) ? ids.map(String) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The web console's API on the HTTP listener, under `/console/api/`. Every call needs
 * `Authorization: Bearer <admin token>` (compared as SHA-256 digests in constant time); wrong
 * tokens are throttled per source address (429 after {@link CONSOLE_MAX_FAILURES} a minute) and
 * nothing else is read before the token matched. Calls:
 *
 * - `GET snapshot`: streams, server, relays (consoleSnapshot); `GET history[?stream=APP/STREAM]`:
 *   the sparkline samples; `GET connections`: every open connection.
 * - `POST streams/kick {stream}`: closes the publisher's connection; `POST streams/drop-readers
 *   {stream}`: closes the stream's player connections; `POST connections/kick {id}`.
 * - `POST streams/preview {stream}`: the cookie that lets the console's preview play the stream
 *   when players must log in (ConsolePreviewCookie).
 * - `users…` and `relays…` (any method): passed on to the functions' users and relays APIs with
 *   the same bearer (functionsProxy), so the browser needs one origin and one token.
 */
export class ConsoleApi {
  /** The sampler behind the sparklines; only while the console is enabled (an admin token is set). */
  readonly history: ConsoleHistory | undefined;
  /** The grant `streams/preview` hands out; the HTTP listener checks it on HTTP-FLV and HLS requests. */
  readonly preview: ConsolePreviewCookie;
  private readonly throttle = new FailureThrottle({ maxFailures: CONSOLE_MAX_FAILURES, windowMs: 60_000, maxKeys: 10_000 });
  private readonly tokenDigest: Buffer | undefined;

  constructor(private readonly options: ConsoleApiOptions) {
    this.tokenDigest = options.adminToken === undefined || options.adminToken === '' ? undefined : digest(options.adminToken);
    this.preview = new ConsolePreviewCookie(options.previewKey);
    this.history =
      this.tokenDigest === undefined
        ? undefined
        : new ConsoleHistory(options.ctx.hub, options.ctx.registry, options.metrics, options.history ?? CONSOLE_HISTORY_DEFAULTS);
  }

  /** Whether an admin token is configured (the console page says how to set one otherwise). */
  get enabled(): boolean {
    return this.tokenDigest !== undefined;
  }

  /** Answers a request whose path starts with `/console/api/`; `rest` is the segments after it. */
  handle(request: HttpRequest, rest: readonly string[], remoteAddress: string): ConsoleAnswer | Promise<ConsoleAnswer> {
    if (this.tokenDigest === undefined) {
      return error(503, 'console_disabled', 'no admin token is configured (set STREAMGATE_ADMIN_TOKEN, or run streamgate start)');
    }
    if (this.throttle.isBlocked(remoteAddress)) {
      return error(429, 'too_many_failures', 'too many wrong admin tokens from this address; wait a minute', { 'Retry-After': '60' });
    }
    const authorization = headerValue(request.headers, 'Authorization');
    const m = authorization === undefined ? null : /^Bearer[ ]+(\S{1,512})\s*$/i.exec(authorization);
    if (m === null || !timingSafeEqual(digest(m[1]!), this.tokenDigest)) {
      this.throttle.recordFailure(remoteAddress);
      this.options.ctx.log.warn('console.unauthorized', { remote: remoteAddress });
      // No WWW-Authenticate: a browser must not pop its own login dialog over the console's.
      return error(401, 'unauthorized', 'a valid admin token is required');
    }
    return this.route(request, rest, remoteAddress, authorization!, this.history!);
  }

  private route(request: HttpRequest, rest: readonly string[], remote: string, authorization: string, history: ConsoleHistory): ConsoleAnswer | Promise<ConsoleAnswer> {
    const [first, second] = rest;
    const { method } = request;
    if (first === 'users' || first === 'relays') return this.proxy(request, rest, authorization);
    const get = method === 'GET' || method === 'HEAD';
    if (rest.length === 1 && first === 'snapshot' && get) {
      const local = this.localSnapshot(history);
      const cluster = this.options.ctx.cluster;
      return cluster === undefined ? json(200, local) : clusterSnapshot(cluster, local).then((merged) => json(200, merged));
    }
    if (rest.length === 1 && first === 'history' && get) return this.historyAnswer(request.query, history);
    if (rest.length === 1 && first === 'connections' && get) return json(200, { connections: this.connections() });
    if (rest.length === 2 && method === 'POST' && first === 'streams' && (second === 'kick' || second === 'drop-readers')) {
      return this.clusterStreamAction(second, objectBody(request), remote);
    }
    if (rest.length === 2 && method === 'POST' && first === 'streams' && second === 'preview') return this.previewGrant(request, remote);
    if (rest.length === 2 && method === 'POST' && first === 'connections' && second === 'kick') {
      const id = objectBody(request)?.id;
      if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) return error(400, 'invalid_value', 'id must be a connection id such as c12');
      const entry = this.options.ctx.registry.get(id);
      if (entry === undefined) return error(404, 'connection_not_found', `no connection ${id}`);
      this.options.ctx.log.info('console.kick', { target: id, remote });
      entry.kick('kicked by operator');
      return json(200, { kicked: id });
    }
    return error(404, 'not_found', 'no such console call');
  }

  /**
   * A call from another task's console over the cluster listener (its bearer already checked):
   * this task's own snapshot, or an action on this task's own connections. Never passed on again.
   */
  handleFromTask(request: HttpRequest, rest: readonly string[], remote: string): ConsoleAnswer {
    const [first, second] = rest;
    if (rest.length === 1 && first === 'snapshot' && (request.method === 'GET' || request.method === 'HEAD')) return json(200, this.localSnapshot(this.history));
    if (rest.length === 2 && request.method === 'POST' && first === 'streams' && (second === 'kick' || second === 'drop-readers')) {
      return this.streamAction(second, objectBody(request), `task ${remote}`);
    }
    return error(404, 'not_found', 'no such console call');
  }

  private localSnapshot(history: ConsoleHistory | undefined) {
    return consoleSnapshot({ ctx: this.options.ctx, metrics: this.options.metrics, history, version: this.options.version, ports: this.options.ports });
  }

  /**
   * A stream action in a cluster: a kick goes to the task the publisher is connected to (found by
   * the stream's lease), dropping readers happens on every task. On one task: streamAction.
   */
  private async clusterStreamAction(action: 'kick' | 'drop-readers', body: Record<string, unknown> | undefined, remote: string): Promise<ConsoleAnswer> {
    const cluster = this.options.ctx.cluster;
    const path = streamOf(body);
    if (cluster === undefined || path === undefined) return this.streamAction(action, body, remote);
    if (action === 'kick') {
      if (cluster.isOrigin(path)) return this.streamAction(action, body, remote);
      const lease = await cluster.owner(path);
      if (lease === undefined || lease.owner === cluster.taskId) return this.streamAction(action, body, remote);
      this.options.ctx.log.info('console.kick-publisher', { path, task: lease.owner, remote });
      const answer = await askTask(cluster, lease.address, 'kick', path);
      if (answer === undefined) return error(502, 'task_unreachable', `the task ${lease.owner} that ${path} is published on did not answer`);
      return { status: answer.status, headers: API_HEADERS, body: answer.body };
    }
    const dropped = this.dropReaders(path, remote);
    const tasks = (await cluster.tasks()).filter((t) => t.id !== cluster.taskId);
    const answers = await Promise.all(tasks.map((t) => askTask(cluster, t.address, 'drop-readers', path)));
    const unreachable: string[] = [];
    answers.forEach((answer, i) => {
      const ids = droppedIn(answer);
      if (ids === undefined) unreachable.push(tasks[i]!.id);
      else for (const id of ids) dropped.push(`${tasks[i]!.id}/${id}`);
    });
    return json(200, { dropped, ...(unreachable.length > 0 ? { unreachable } : {}) });
  }

  /**
   * `POST streams/preview {stream}`: 204 with the cookie that lets this browser play `stream` over
   * HTTP-FLV and HLS for ten minutes even when players must log in (STREAMGATE_PLAY_AUTH=required);
   * the console's preview asks for it before it plays and again every few minutes while it does.
   */
  private previewGrant(request: HttpRequest, remote: string): ConsoleAnswer {
    const path = streamOf(objectBody(request));
    if (path === undefined) return error(400, 'invalid_value', 'stream must be APP/STREAM');
    const { https } = browserOrigin(request.headers);
    this.options.ctx.log.info('console.preview', { path, remote });
    const cookie = this.preview.setCookie(this.preview.seal(path, Date.now()), { secure: https });
    return { status: 204, headers: { ...API_HEADERS, 'Set-Cookie': cookie }, body: Buffer.alloc(0) };
  }

  private historyAnswer(query: string, history: ConsoleHistory): ConsoleAnswer {
    const { intervalMs } = history.options;
    const raw = query === '' ? null : new URLSearchParams(query).get('stream');
    if (raw === null) return json(200, { intervalMs, samples: history.serverSamples() });
    const path = streamOf({ stream: raw });
    if (path === undefined) return error(400, 'invalid_value', 'stream must be APP/STREAM');
    return json(200, { stream: path, intervalMs, samples: history.stream(path) });
  }

  private connections() {
    return this.options.ctx.registry.list().map((e) => ({
      id: e.id,
      protocol: e.protocol,
      remoteAddress: e.remoteAddress,
      since: e.since,
      ...(e.role !== undefined ? { role: e.role } : {}),
      ...(e.app !== undefined && e.stream !== undefined ? { stream: `${e.app}/${e.stream}` } : {}),
      ...(e.user !== undefined ? { user: e.user } : {}),
      bytesIn: e.bytesIn(),
      bytesOut: e.bytesOut(),
    }));
  }

  private streamAction(action: 'kick' | 'drop-readers', body: Record<string, unknown> | undefined, remote: string): ConsoleAnswer {
    const path = streamOf(body);
    if (path === undefined) return error(400, 'invalid_value', 'stream must be APP/STREAM');
    const { hub, registry, log } = this.options.ctx;
    if (action === 'kick') {
      const info = hub.streamInfo(path);
      const publisher = info?.publisher;
      if (publisher === undefined) return error(404, 'stream_not_live', `${path} has no publisher`);
      const entry = registry.get(publisher.id);
      // Relay pulls and cluster edge pulls are publishers without a client connection of their own.
      if (entry === undefined) return error(409, 'not_a_connection', `the publisher of ${path} is a ${publisher.protocol} source, not a client connection; remove its relay instead`);
      log.info('console.kick-publisher', { path, target: publisher.id, remote });
      entry.kick('kicked by operator');
      return json(200, { kicked: publisher.id });
    }
    return json(200, { dropped: this.dropReaders(path, remote) });
  }

  /** Closes the player connections of `path` on this task; their ids. */
  private dropReaders(path: string, remote: string): string[] {
    const { registry, log } = this.options.ctx;
    const players = registry.list().filter((e) => e.role === 'player' && e.app !== undefined && e.stream !== undefined && `${e.app}/${e.stream}` === path);
    log.info('console.drop-readers', { path, readers: players.length, remote });
    for (const e of players) e.kick('dropped by operator');
    return players.map((e) => e.id);
  }

  private async proxy(request: HttpRequest, rest: readonly string[], authorization: string): Promise<ConsoleAnswer> {
    const base = this.options.functionsUrl;
    if (base === undefined) return error(503, 'functions_unknown', 'this ingest has no functions URL (STREAMGATE_FUNCTIONS_URL)');
    const answer = await proxyToFunctions(
      base,
      {
        method: request.method,
        path: `/${rest.map(encodeURIComponent).join('/')}`,
        query: request.query,
        authorization,
        ...(headerValue(request.headers, 'Content-Type') !== undefined ? { contentType: headerValue(request.headers, 'Content-Type')! } : {}),
        body: request.body,
      },
      this.options.fetchFn,
    );
    return { status: answer.status, headers: { ...API_HEADERS, 'Content-Type': answer.contentType }, body: answer.body };
  }

  close(): void {
    this.history?.close();
  }
}
