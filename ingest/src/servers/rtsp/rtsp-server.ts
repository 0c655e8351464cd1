import { createServer, type Server } from 'node:net';
import type { RtspMetrics } from '#ingest/metrics/rtsp-metrics.js';
import type { IngestContext } from '../ingest-context.js';
import type { RtpUdpPorts } from './rtp-udp-ports.js';
import { RtspConnection, type RtspConnectionOptions } from './rtsp-connection.js';
import type { RtspNonces } from './rtsp-nonces.js';
import type { RtspPlayStreams } from './rtsp-play-streams.js';

export { RTSP_SESSION_TIMEOUT_MS } from './rtsp-connection.js';

/** Settings of an RTSP listener. */
export interface RtspServerOptions extends RtspConnectionOptions {
  readonly maxConnections: number;
}

/**
 * An RTSP listener (5544 and 5554 by default, crtmpserver's inboundRtsp): one RtspConnection per
 * TCP connection. Every listener of the ingest shares one UDP port range, one nonce key
 * and the played streams' RTP side.
 */
export function createRtspServer(ctx: IngestContext, options: RtspServerOptions, shared: { udpPorts: RtpUdpPorts; nonces: RtspNonces; playStreams: RtspPlayStreams; metrics?: RtspMetrics }): Server {
  const server = createServer({ noDelay: true }, (socket) => {
    new RtspConnection(socket, options, { ctx, udpPorts: shared.udpPorts, nonces: shared.nonces, playStreams: shared.playStreams, ...(shared.metrics ? { metrics: shared.metrics } : {}) });
  });
  server.maxConnections = options.maxConnections;
  return server;
}
