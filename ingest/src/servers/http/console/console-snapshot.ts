import type { MetricsSetup } from '#ingest/metrics/metrics-setup.js';
import type { RelayStatus } from '#ingest/relay/relay-status.js';
import type { IngestContext } from '#ingest/servers/ingest-context.js';
import type { ConsoleHistory, ServerSample } from './console-history.js';

/** A live stream as the console's table shows it. */
export interface ConsoleStream {
  readonly path: string;
  readonly publisher: { readonly id: string; readonly protocol: string; readonly remoteAddress: string; readonly user?: string; readonly since: number };
  readonly video?: { readonly codec: string; readonly width?: number; readonly height?: number };
  readonly audio?: { readonly codec: string; readonly sampleRate: number; readonly channels: number };
  readonly readers: number;
  readonly readersByProtocol: Readonly<Record<string, number>>;
  readonly framesIn: number;
  readonly framesDropped: number;
  /** Over the last history interval (0 until the stream's second sample). */
  readonly inBps: number;
  readonly outBps: number;
}

/** The server page's numbers. */
export interface ConsoleServer {
  readonly version: string;
  readonly startedAt: number;
  readonly now: number;
  readonly draining: boolean;
  /** Bound ports by listener name (`rtmp`, `http`, `rtsp`, `srt`, …). */
  readonly ports: Readonly<Record<string, number>>;
  readonly connectionsByProtocol: Readonly<Record<string, number>>;
  readonly connections: number;
  readonly playAuth: string;
  readonly publishAuth: string;
  /** Auth decisions in the last minute of samples, by result, and since start. */
  readonly authLastMinute: { readonly allowed: number; readonly denied: number; readonly errors: number };
  readonly authTotal: { readonly allowed: number; readonly denied: number; readonly errors: number };
  readonly memory: { readonly rssBytes: number; readonly heapUsedBytes: number; readonly heapTotalBytes: number; readonly externalBytes: number };
  readonly eventLoop: { readonly p99Ms: number; readonly maxMs: number };
  readonly inBps: number;
  readonly outBps: number;
  /** Present in cluster mode: this task's id. */
  readonly clusterTask?: string;
}

/** What `GET /console/api/snapshot` answers. */
export interface ConsoleSnapshot {
  readonly server: ConsoleServer;
  readonly streams: readonly ConsoleStream[];
  readonly relays: readonly RelayStatus[];
}

/** What the snapshot reads. */
export interface ConsoleSnapshotSource {
  readonly ctx: IngestContext;
  readonly metrics: MetricsSetup;
  readonly history: ConsoleHistory;
  readonly version: string;
  readonly ports: () => Readonly<Record<string, number>>;
}

function lastMinute(samples: readonly ServerSample[], now: number): ConsoleServer['authLastMinute'] {
  let allowed = 0;
  let denied = 0;
  let errors = 0;
  for (const s of samples) {
    if (s.t <= now - 60_000) continue;
    allowed += s.authAllowed;
    denied += s.authDenied;
    errors += s.authErrors;
  }
  return { allowed, denied, errors };
}

/**
 * One read of everything the console shows at once: live streams (publisher, codecs, rates,
 * readers by protocol), the server (ports, connections, auth, memory, event loop) and the relays'
 * states. Reads only: the hub, the connection registry, the metrics and the history sampler.
 * Never contains a password or token (publishers carry their user name only; relay URLs are
 * already redacted by the relay manager).
 */
export function consoleSnapshot(source: ConsoleSnapshotSource, now = Date.now()): ConsoleSnapshot {
  const { ctx, metrics, history } = source;
  const streams: ConsoleStream[] = [];
  for (const info of ctx.hub.list()) {
    if (!info.live || info.publisher === undefined) continue;
    const latest = history.latest(info.path);
    const p = info.publisher;
    streams.push({
      path: info.path,
      publisher: { id: p.id, protocol: p.protocol, remoteAddress: p.remoteAddress, since: p.since, ...(p.user !== undefined ? { user: p.user } : {}) },
      ...(info.video ? { video: info.video } : {}),
      ...(info.audio ? { audio: info.audio } : {}),
      readers: info.readers,
      readersByProtocol: info.readersByProtocol,
      framesIn: info.framesIn,
      framesDropped: info.framesDropped,
      inBps: latest?.inBps ?? 0,
      outBps: latest?.outBps ?? 0,
    });
  }
  streams.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const samples = history.serverSamples();
  const last = samples.at(-1);
  const memory = process.memoryUsage();
  const auth = metrics.ingest.authDecisions;
  const server: ConsoleServer = {
    version: source.version,
    startedAt: ctx.state.startedAt,
    now,
    draining: ctx.state.draining,
    ports: source.ports(),
    connectionsByProtocol: ctx.registry.countByProtocol(),
    connections: ctx.registry.size,
    playAuth: ctx.config.playAuth,
    publishAuth: ctx.config.auth,
    authLastMinute: lastMinute(samples, now),
    authTotal: { allowed: auth.sum({ result: 'allowed' }), denied: auth.sum({ result: 'denied' }), errors: auth.sum({ result: 'error' }) },
    memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, heapTotalBytes: memory.heapTotal, externalBytes: memory.external },
    eventLoop: { p99Ms: last?.eventLoopP99Ms ?? 0, maxMs: last?.eventLoopMaxMs ?? 0 },
    inBps: last?.inBps ?? 0,
    outBps: last?.outBps ?? 0,
    ...(ctx.cluster !== undefined ? { clusterTask: ctx.cluster.taskId } : {}),
  };
  return { server, streams, relays: ctx.relays?.statuses() ?? [] };
}
