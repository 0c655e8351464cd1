import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { ServerSample, StreamSample } from '#domain/console-api.js';
import type { Hub } from '#ingest/hub/hub.js';
import type { MetricsSetup } from '#ingest/metrics/metrics-setup.js';
import type { ConnectionRegistry } from '#ingest/servers/connection-registry.js';

/** Bounds of {@link ConsoleHistory}. */
export interface ConsoleHistoryOptions {
  /** Sampling period. */
  readonly intervalMs: number;
  /** Samples kept per stream and for the server (the sparklines' width). */
  readonly samples: number;
  /** Streams tracked at once; further live streams get no history (the table still lists them). */
  readonly maxStreams: number;
}

/** 2 s × 150 = the last five minutes. */
export const CONSOLE_HISTORY_DEFAULTS: ConsoleHistoryOptions = { intervalMs: 2000, samples: 150, maxStreams: 1000 };

interface StreamTrack {
  readonly samples: StreamSample[];
  /** Publisher connection id and its byte counters at the previous sample. */
  publisher: string | undefined;
  bytesIn: number;
  bytesOut: number;
}

function push<T>(ring: T[], value: T, max: number): void {
  ring.push(value);
  if (ring.length > max) ring.splice(0, ring.length - max);
}

/**
 * What the console's sparklines and rates are drawn from: every `intervalMs`, the byte counters
 * of each live stream (hub and the stream's player connections) and of the server, the auth
 * decisions, connection count, memory and event-loop delay, kept for the last `samples`
 * intervals. Memory is bounded by `maxStreams × samples`; a stream's history goes when it is no
 * longer live. The hub is only read.
 */
export class ConsoleHistory {
  private readonly streams = new Map<string, StreamTrack>();
  private readonly server: ServerSample[] = [];
  private readonly loop: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private last: { t: number; bytesIn: number; bytesOut: number; allowed: number; denied: number; errors: number };

  constructor(
    private readonly hub: Hub,
    private readonly registry: ConnectionRegistry,
    private readonly metrics: MetricsSetup,
    readonly options: ConsoleHistoryOptions = CONSOLE_HISTORY_DEFAULTS,
  ) {
    this.loop = monitorEventLoopDelay({ resolution: 20 });
    this.loop.enable();
    this.last = { t: Date.now(), ...this.totals() };
    this.timer = setInterval(() => this.sample(), options.intervalMs);
    this.timer.unref();
  }

  /** Counter totals now (the collectors bring the byte counters up to the open connections). */
  private totals() {
    this.metrics.registry.collect();
    const m = this.metrics.ingest;
    return {
      bytesIn: m.bytesReceived.sum(),
      bytesOut: m.bytesSent.sum(),
      allowed: m.authDecisions.sum({ result: 'allowed' }),
      denied: m.authDecisions.sum({ result: 'denied' }),
      errors: m.authDecisions.sum({ result: 'error' }),
    };
  }

  /** Bytes sent so far to the player connections of each stream path. */
  private bytesOutByStream(): Map<string, number> {
    const out = new Map<string, number>();
    for (const e of this.registry.list()) {
      if (e.role !== 'player' || e.app === undefined || e.stream === undefined) continue;
      const path = `${e.app}/${e.stream}`;
      out.set(path, (out.get(path) ?? 0) + e.bytesOut());
    }
    return out;
  }

  /** Takes one sample now (the timer calls it; tests may too). */
  sample(now = Date.now()): void {
    const seconds = Math.max(0.001, (now - this.last.t) / 1000);
    const rate = (bytes: number) => Math.max(0, Math.round((bytes * 8) / seconds));
    const out = this.bytesOutByStream();
    const seen = new Set<string>();
    for (const info of this.hub.list()) {
      if (!info.live || info.publisher === undefined) continue;
      seen.add(info.path);
      let track = this.streams.get(info.path);
      if (track === undefined) {
        if (this.streams.size >= this.options.maxStreams) continue;
        track = { samples: [], publisher: undefined, bytesIn: 0, bytesOut: 0 };
        this.streams.set(info.path, track);
      }
      const bytesOut = out.get(info.path) ?? 0;
      // A new publisher starts its counters at 0; players that left take their bytes with them.
      const fresh = track.publisher !== info.publisher.id;
      const inBps = fresh ? 0 : rate(Math.max(0, info.bytesIn - track.bytesIn));
      const outBps = fresh ? 0 : rate(Math.max(0, bytesOut - track.bytesOut));
      track.publisher = info.publisher.id;
      track.bytesIn = info.bytesIn;
      track.bytesOut = bytesOut;
      if (!fresh) push(track.samples, { t: now, inBps, outBps, readers: info.readers }, this.options.samples);
    }
    for (const path of this.streams.keys()) if (!seen.has(path)) this.streams.delete(path);

    const totals = this.totals();
    const memory = process.memoryUsage();
    push(
      this.server,
      {
        t: now,
        inBps: rate(Math.max(0, totals.bytesIn - this.last.bytesIn)),
        outBps: rate(Math.max(0, totals.bytesOut - this.last.bytesOut)),
        authAllowed: Math.max(0, totals.allowed - this.last.allowed),
        authDenied: Math.max(0, totals.denied - this.last.denied),
        authErrors: Math.max(0, totals.errors - this.last.errors),
        connections: this.registry.size,
        // The histogram is in nanoseconds; reset so each sample covers its own interval.
        eventLoopP99Ms: round(this.loop.percentile(99) / 1e6),
        eventLoopMaxMs: round(this.loop.max / 1e6),
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
      },
      this.options.samples,
    );
    this.loop.reset();
    this.last = { t: now, ...totals };
  }

  /** The samples of a live stream (oldest first), empty when unknown. */
  stream(path: string): readonly StreamSample[] {
    return this.streams.get(path)?.samples ?? [];
  }

  /** The latest sample of a stream, if any. */
  latest(path: string): StreamSample | undefined {
    return this.streams.get(path)?.samples.at(-1);
  }

  /** The server's samples, oldest first. */
  serverSamples(): readonly ServerSample[] {
    return this.server;
  }

  /** Streams with a history now. */
  get trackedStreams(): number {
    return this.streams.size;
  }

  close(): void {
    clearInterval(this.timer);
    this.loop.disable();
  }
}

function round(ms: number): number {
  return Number.isFinite(ms) ? Math.round(ms * 100) / 100 : 0;
}
