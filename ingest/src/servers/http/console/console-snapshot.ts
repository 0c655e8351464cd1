import type { MetricsSetup } from '#ingest/metrics/metrics-setup.js';
import type { ConsoleServer, ConsoleSnapshot, ConsoleStream, ServerSample } from '#domain/console-api.js';
import type { IngestContext } from '#ingest/servers/ingest-context.js';
import type { ConsoleHistory } from './console-history.js';

/** What the snapshot reads. */
export interface ConsoleSnapshotSource {
  readonly ctx: IngestContext;
  readonly metrics: MetricsSetup;
  /** The sampler (rates and sparklines); none when the console is off here (another task's console still reads it). */
  readonly history: ConsoleHistory | undefined;
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
    const latest = history?.latest(info.path);
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
  const samples = history?.serverSamples() ?? [];
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
