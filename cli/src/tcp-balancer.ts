import { connect, createServer, type Server, type Socket } from 'node:net';

/** A running balancer. */
export interface TcpBalancer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A small round-robin TCP balancer for a local cluster: each new connection goes to the next
 * backend port on 127.0.0.1 (the way a Network Load Balancer spreads connections over tasks), a
 * backend that refuses is skipped for the next one, bytes are piped both ways with backpressure
 * (pipe pauses the faster side). `backends()` is asked per connection, so members can come and go.
 */
export function startTcpBalancer(host: string, port: number, backends: () => readonly number[]): Promise<TcpBalancer> {
  let next = 0;
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server: Server = createServer({ noDelay: true, pauseOnConnect: true }, (client) => {
    track(client);
    client.on('error', () => client.destroy());
    const ports = backends();
    const tryBackend = (attempt: number): void => {
      if (ports.length === 0 || attempt >= ports.length || client.destroyed) {
        client.destroy();
        return;
      }
      const target = ports[next++ % ports.length]!;
      const upstream = connect({ host: '127.0.0.1', port: target, noDelay: true });
      track(upstream);
      upstream.once('error', () => {
        upstream.destroy();
        if (!connected) tryBackend(attempt + 1);
        else client.destroy();
      });
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
        client.once('close', () => upstream.destroy());
        upstream.once('close', () => client.destroy());
      });
    };
    tryBackend(0);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address !== null ? address.port : port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
