import net from 'node:net';
import { RtmpServerSession, type RtmpSessionEvent } from '#ingest/protocols/rtmp/rtmp-server-session.js';

/** What a test decides for each event; the default accepts everything. */
export type Decide = (event: RtmpSessionEvent, session: RtmpServerSession) => void;

export const acceptAll: Decide = (event, session) => {
  if (event.type === 'connect') session.acceptConnect(event.transactionId);
  else if (event.type === 'publish') session.acceptPublish(event.streamId, event.name);
  else if (event.type === 'play') session.startPlay(event.streamId, event.name, { reset: event.reset });
};

/**
 * A minimal socket server around RtmpServerSession for tests (the real one is
 * ingest/src/servers): records every event and every ProtocolError per connection.
 */
export async function startLoopbackServer(decide: Decide = acceptAll): Promise<{
  port: number;
  events: RtmpSessionEvent[];
  errors: unknown[];
  sessions: RtmpServerSession[];
  close(): Promise<void>;
}> {
  const events: RtmpSessionEvent[] = [];
  const errors: unknown[] = [];
  const sessions: RtmpServerSession[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const session: RtmpServerSession = new RtmpServerSession({
      send: (data) => socket.write(data),
      onEvent: (event) => {
        events.push(event);
        decide(event, session);
        if (session.state === 'closed') socket.end();
      },
    });
    sessions.push(session);
    socket.on('data', (data) => {
      try {
        session.feed(data);
      } catch (error) {
        errors.push(error);
        socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    events,
    errors,
    sessions,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
