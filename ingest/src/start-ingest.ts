import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import type { IngestConfig } from './config.js';
import { Hub } from './hub/hub.js';
import { createLogger, type Logger } from './logger.js';
import { ConnectionRegistry } from './servers/connection-registry.js';
import { listen, stopListening } from './servers/listen.js';
import { openAccess, type RtmpAccessControl } from './servers/rtmp-access-control.js';
import { createRtmpServer, createRtmpsServer } from './servers/rtmp-server.js';

/** What `startIngest` needs besides the config. */
export interface IngestDeps {
  readonly log?: Logger;
  /** Access control for RTMP; open access when omitted (STREAMGATE_AUTH=off). */
  readonly access?: RtmpAccessControl;
}

/** A running ingest. */
export interface RunningIngest {
  readonly hub: Hub;
  readonly registry: ConnectionRegistry;
  /** Bound ports by service name (`rtmp`, `rtmps`, …). */
  readonly ports: Readonly<Record<string, number>>;
  /** Stops the listeners, ends players and publishers, resolves when done. */
  close(): Promise<void>;
}

function pem(value: string): string | Buffer {
  return value.includes('-----BEGIN') ? value : readFileSync(value);
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
  const servers: [string, Server][] = [];
  const ports: Record<string, number> = {};
  const rtmpOptions = {
    chunkSize: config.rtmpChunkSize,
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxConnections: config.maxConnections,
  };
  const connDeps = { hub, registry, log, access };

  servers.push(['rtmp', createRtmpServer(rtmpOptions, connDeps)]);
  if (config.tlsCert !== undefined && config.tlsKey !== undefined) {
    servers.push(['rtmps', createRtmpsServer(rtmpOptions, { cert: pem(config.tlsCert), key: pem(config.tlsKey) }, connDeps)]);
  }

  const portOf: Record<string, number> = { rtmp: config.rtmpPort, rtmps: config.rtmpsPort };
  try {
    for (const [name, server] of servers) {
      server.on('error', (err) => log.error('listener.error', { listener: name, err }));
      ports[name] = await listen(server, portOf[name], config.host);
    }
  } catch (err) {
    await Promise.all(servers.map(([, s]) => stopListening(s)));
    throw err;
  }
  log.info('ingest.listening', { ports });

  return {
    hub,
    registry,
    ports,
    async close() {
      await Promise.all(servers.map(([, s]) => stopListening(s)));
      hub.endAllReaders();
      for (const c of registry.list()) c.kick('shutdown');
    },
  };
}
