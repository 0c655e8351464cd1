import type { Server } from 'node:net';
import type { Logger } from '#domain/logger.js';
import type { Listener } from './ingest-context.js';
import { listen, stopListening } from './listen.js';

/** A Listener around a `net.Server` (or tls/http server) on host:port. */
export function netListener(name: string, server: Server, port: number, host: string, log: Logger): Listener {
  server.on('error', (err) => log.error('listener.error', { listener: name, err }));
  return {
    name,
    server,
    listen: () => listen(server, port, host),
    close: () => stopListening(server),
  };
}
