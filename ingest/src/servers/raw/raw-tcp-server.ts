import { createServer, type Server } from 'node:net';
import type { IngestContext } from '../ingest-context.js';
import { createRawAllowList } from './raw-allow-list.js';
import { RawIngestConnection, type RawIngestOptions } from './raw-ingest-connection.js';
import type { RawIngestInput } from './raw-ingest-input.js';

/** What distinguishes one raw TCP listener from another. */
export interface RawTcpServerOptions {
  readonly protocol: RawIngestOptions['protocol'];
  readonly app: string;
  /** Re-order audio and video by decode time (see RawInterleaver). */
  readonly interleave?: boolean;
  /** A fresh input (demuxer and naming rules) per connection. */
  readonly input: () => RawIngestInput;
}

/**
 * A raw ingest listener (FLV or MPEG-TS over TCP): sources outside STREAMGATE_RAW_ALLOW_FROM are
 * closed at once and logged (these protocols carry no credentials); every other socket becomes a
 * {@link RawIngestConnection}. A bad allow-list raises ConfigError here, at startup.
 */
export function createRawTcpServer(ctx: IngestContext, options: RawTcpServerOptions): Server {
  const { config, log } = ctx;
  const allowed = createRawAllowList(config.rawAllowFrom);
  const server = createServer((socket) => {
    if (!allowed(socket.remoteAddress)) {
      log.warn('raw.refused', { code: 'RAW_SOURCE_NOT_ALLOWED', protocol: options.protocol, remote: socket.remoteAddress });
      socket.destroy();
      return;
    }
    new RawIngestConnection(
      socket,
      options.input(),
      { protocol: options.protocol, app: options.app, defaultStream: config.rawDefaultStream, idleTimeoutMs: config.idleTimeoutMs, interleave: options.interleave },
      ctx,
    );
  });
  server.maxConnections = config.maxConnections;
  return server;
}
