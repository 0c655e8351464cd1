import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import type { RtspMetrics } from '#ingest/metrics/rtsp-metrics.js';
import type { IngestContext } from '../ingest-context.js';
import type { RtpUdpPorts } from './rtp-udp-ports.js';
import { IdleSweeper } from '../idle-sweeper.js';
import { RtspConnection, rtspIdleCheckMs, type RtspConnectionDeps, type RtspConnectionOptions } from './rtsp-connection.js';
import type { RtspNonces } from './rtsp-nonces.js';
import type { RtspPlayStreams } from './rtsp-play-streams.js';

export { RTSP_SESSION_TIMEOUT_MS } from './rtsp-connection.js';

/** Settings of an RTSP listener. */
export interface RtspServerOptions extends RtspConnectionOptions {
  readonly maxConnections: number;
}

/** What every RTSP listener of the ingest shares. */
export interface RtspShared {
  readonly udpPorts: RtpUdpPorts;
  readonly nonces: RtspNonces;
  readonly playStreams: RtspPlayStreams;
  readonly metrics?: RtspMetrics;
}

/** What the connections of one listener share: the ingest's RTSP parts and the listener's idle sweeper. */
function connectionDeps(ctx: IngestContext, options: RtspConnectionOptions, shared: RtspShared): RtspConnectionDeps {
  return {
    ctx,
    udpPorts: shared.udpPorts,
    nonces: shared.nonces,
    playStreams: shared.playStreams,
    idle: new IdleSweeper(rtspIdleCheckMs(options.sessionTimeoutMs)),
    ...(shared.metrics ? { metrics: shared.metrics } : {}),
  };
}

/**
 * An RTSP listener (5544 and 5554 by default, crtmpserver's inboundRtsp): one RtspConnection per
 * TCP connection. Every listener of the ingest shares one UDP port range, one nonce key
 * and the played streams' RTP side.
 */
export function createRtspServer(ctx: IngestContext, options: RtspServerOptions, shared: RtspShared): Server {
  const deps = connectionDeps(ctx, options, shared);
  const server = createServer({ noDelay: true }, (socket) => {
    new RtspConnection(socket, options, deps);
  });
  server.maxConnections = options.maxConnections;
  return server;
}

/**
 * The RTSPS listener (RTSP over TLS, with the ingest's certificate): the same RTSP, with RTP
 * interleaved on the TLS connection only, so the media is encrypted as well as the credentials.
 * A failed TLS handshake is logged and closes that connection only.
 */
export function createRtspsServer(ctx: IngestContext, options: RtspServerOptions, tls: TlsOptions, shared: RtspShared): Server {
  const tlsOptions = { ...options, tls: true };
  const deps = connectionDeps(ctx, tlsOptions, shared);
  const server = createTlsServer(tls, (socket) => {
    socket.setNoDelay(true);
    new RtspConnection(socket, tlsOptions, deps);
  });
  server.maxConnections = options.maxConnections;
  server.on('tlsClientError', (err, socket) => {
    ctx.log.warn('rtsps.tls-error', { remote: socket.remoteAddress, err });
    socket.destroy();
  });
  return server;
}
