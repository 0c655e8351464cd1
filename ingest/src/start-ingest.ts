import { readFileSync } from 'node:fs';
import type { Authorizer } from './auth/authorizer.js';
import type { IngestConfig } from './config.js';
import { Hub } from './hub/hub.js';
import { createLogger, type Logger } from './logger.js';
import { ConnectionRegistry } from './servers/connection-registry.js';
import type { IngestContext, Listener } from './servers/ingest-context.js';
import { netListener } from './servers/net-listener.js';
import { openAccess, type RtmpAccessControl } from './servers/rtmp-access-control.js';
import { createRtmpServer, createRtmpsServer } from './servers/rtmp-server.js';

/** What `startIngest` needs besides the config. */
export interface IngestDeps {
  readonly log?: Logger;
  /** Access control for RTMP; open access when omitted (STREAMGATE_AUTH=off). */
  readonly access?: RtmpAccessControl & { close?(): void };
  /** The authorizer behind `access`, for RTSP's Basic/Digest carriers. */
  readonly authorizer?: Authorizer;
}

/** A running ingest. */
export interface RunningIngest {
  readonly hub: Hub;
  readonly registry: ConnectionRegistry;
  readonly context: IngestContext;
  /** Bound ports by service name (`rtmp`, `rtmps`, …). */
  readonly ports: Readonly<Record<string, number>>;
  /** Stops the listeners, ends players and publishers, resolves when done. */
  close(): Promise<void>;
}

function pem(value: string): string | Buffer {
  return value.includes('-----BEGIN') ? value : readFileSync(value);
}

/** Every listener the configuration asks for. */
function createListeners(ctx: IngestContext): Listener[] {
  const { config, log } = ctx;
  const rtmpOptions = {
    chunkSize: config.rtmpChunkSize,
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxConnections: config.maxConnections,
  };
  const listeners = [netListener('rtmp', createRtmpServer(rtmpOptions, ctx), config.rtmpPort, config.host, log)];
  if (config.tlsCert !== undefined && config.tlsKey !== undefined) {
    const tls = { cert: pem(config.tlsCert), key: pem(config.tlsKey) };
    listeners.push(netListener('rtmps', createRtmpsServer(rtmpOptions, tls, ctx), config.rtmpsPort, config.host, log));
  }
  return listeners;
}

/** Starts every configured listener of the ingest around one hub. */
export async function startIngest(config: IngestConfig, deps: IngestDeps = {}): Promise<RunningIngest> {
  const log = deps.log ?? createLogger(config.logLevel);
  const hub = new Hub({
    gop: { maxBytes: config.gopCacheMaxBytes, maxDurationMs: config.gopCacheMaxMs },
    reader: { maxQueueBytes: config.readerQueueMaxBytes, maxBlockedMs: config.readerMaxBlockedMs },
    waitForPublisherMs: config.waitForPublisherMs,
  });
  const registry = new ConnectionRegistry();
  const access = deps.access ?? openAccess;
  const context: IngestContext = {
    config,
    hub,
    registry,
    log,
    access,
    authorizer: deps.authorizer,
    state: { draining: false, startedAt: Date.now() },
  };
  const listeners = createListeners(context);
  const ports: Record<string, number> = {};
  try {
    for (const l of listeners) ports[l.name] = await l.listen();
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()));
    throw err;
  }
  log.info('ingest.listening', { ports });

  return {
    hub,
    registry,
    context,
    ports,
    async close() {
      context.state.draining = true;
      await Promise.all(listeners.map((l) => l.close()));
      hub.endAllReaders();
      for (const c of registry.list()) c.kick('shutdown');
      deps.access?.close?.();
    },
  };
}
