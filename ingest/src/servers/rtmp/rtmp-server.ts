import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { RtmpConnection, type RtmpConnectionDeps, type RtmpConnectionOptions } from './rtmp-connection.js';

/** Settings shared by the RTMP and RTMPS listeners. */
export interface RtmpServerOptions extends Omit<RtmpConnectionOptions, 'protocol'> {
  readonly maxConnections: number;
}

function onSocket(socket: Socket, options: RtmpConnectionOptions, deps: RtmpConnectionDeps): void {
  // Small control answers (connect _result, onStatus) must not wait for delayed ACKs.
  socket.setNoDelay(true);
  new RtmpConnection(socket, socket.remoteAddress ?? 'unknown', options, deps);
}

/** The plain RTMP listener (port 1935 by default). */
export function createRtmpServer(options: RtmpServerOptions, deps: RtmpConnectionDeps): Server {
  const connection: RtmpConnectionOptions = { ...options, protocol: 'rtmp' };
  const server = createServer({ noDelay: true }, (socket) => onSocket(socket, connection, deps));
  server.maxConnections = options.maxConnections;
  return server;
}

/** The RTMPS listener: the same RTMP session behind TLS (port 8081 by default). */
export function createRtmpsServer(options: RtmpServerOptions, tls: TlsOptions, deps: RtmpConnectionDeps): Server {
  const connection: RtmpConnectionOptions = { ...options, protocol: 'rtmps' };
  const server = createTlsServer(tls, (socket) => onSocket(socket, connection, deps));
  server.maxConnections = options.maxConnections;
  server.on('tlsClientError', (err, socket) => {
    deps.log.warn('rtmps.tls-error', { remote: socket.remoteAddress, err });
    socket.destroy();
  });
  return server;
}
