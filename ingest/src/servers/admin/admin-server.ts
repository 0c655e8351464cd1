import { isIP } from 'node:net';
import { createServer, type Server } from 'node:net';
import { AdminSession, type AdminServer } from '#ingest/protocols/admin/admin-session.js';
import type { ConnectionEntry } from '../connection-registry.js';
import type { IngestContext } from '../ingest-context.js';

/** Settings of the admin listener. */
export interface AdminListenerOptions {
  /** The admin token: required for kick, dropStream and shutdown, and for every command unless `openReads`. */
  readonly token?: string;
  /** Lists and info without the token (the listener is on loopback). */
  readonly openReads?: boolean;
  /** A connection that sends nothing this long is closed. */
  readonly idleTimeoutMs?: number;
  /** `name/version` for the `version` command. */
  readonly version: string;
  /** Starts the graceful stop (the `shutdown` command). */
  readonly shutdown: () => void;
}

/** Time for the `shutdown` answer to reach the operator before the drain starts. */
const SHUTDOWN_DELAY_MS = 100;

/** True for 127.0.0.0/8, ::1 and `localhost`: addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** The AdminServer the admin protocol controls, over the hub and the connection registry. */
export function adminServerOver(ctx: IngestContext, shutdown: () => void): AdminServer {
  const { hub, registry } = ctx;
  const summary = (path: string) => {
    const info = hub.streamInfo(path);
    if (info === undefined || !info.live) return undefined;
    const { path: stream, ...rest } = info;
    return { stream, ...rest };
  };
  return {
    listStreams: () => hub.list().flatMap((s) => summary(s.path) ?? []),
    listConnections: () =>
      registry.list().map((e: ConnectionEntry) => ({
        connectionId: e.id,
        protocol: e.protocol,
        remoteAddress: e.remoteAddress,
        since: e.since,
        ...(e.role && { role: e.role }),
        ...(e.app !== undefined && { app: e.app }),
        ...(e.stream !== undefined && { stream: e.stream }),
        ...(e.user !== undefined && { user: e.user }),
        bytesIn: e.bytesIn(),
        bytesOut: e.bytesOut(),
      })),
    listRelays: () => ctx.relays?.statuses() ?? [],
    streamInfo: (stream) => summary(stream),
    kick: (id) => {
      const e = registry.get(id);
      if (e === undefined) return false;
      ctx.log.info('admin.kick', { target: id });
      e.kick('kicked by operator');
      return true;
    },
    dropStream: (stream) => {
      if (!hub.isLive(stream)) return false;
      ctx.log.info('admin.drop-stream', { stream });
      return hub.drop(stream);
    },
    shutdown: () => {
      ctx.log.info('admin.shutdown');
      // The answer goes out first: a drain with nothing to wait for closes this connection at once.
      setTimeout(shutdown, SHUTDOWN_DELAY_MS).unref();
    },
  };
}

/**
 * The admin line protocol listener (127.0.0.1:1112 by default, crtmpserver's inboundJsonCli): one
 * AdminSession per connection against {@link adminServerOver}. Reading pauses while answers are
 * computed or the client does not read them (backpressure); a bad line gets a FAIL answer and the
 * connection stays open.
 */
export function createAdminServer(ctx: IngestContext, options: AdminListenerOptions): Server {
  const server = adminServerOver(ctx, options.shutdown);
  return createServer((socket) => {
    const session = new AdminSession({
      server,
      version: options.version,
      ...(options.token ? { token: options.token } : {}),
      ...(options.openReads ? { openReads: true } : {}),
    });
    // An admin socket is one operator's command or a script's: one left open is closed.
    if (options.idleTimeoutMs !== undefined) socket.setTimeout(options.idleTimeoutMs, () => socket.destroy());
    let bytesIn = 0;
    let bytesOut = 0;
    const id = ctx.registry.nextId();
    ctx.registry.add({
      id,
      protocol: 'admin',
      remoteAddress: socket.remoteAddress ?? 'unknown',
      since: Date.now(),
      bytesIn: () => bytesIn,
      bytesOut: () => bytesOut,
      kick: () => socket.destroy(),
    });
    let pending = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      bytesIn += chunk.byteLength;
      socket.pause();
      pending = pending
        .then(() => session.push(chunk))
        .then((lines) => {
          if (socket.destroyed) return;
          let ok = true;
          for (const line of lines) {
            bytesOut += Buffer.byteLength(line);
            ok = socket.write(line);
          }
          if (ok) socket.resume();
          else socket.once('drain', () => socket.resume());
        })
        .catch((err: unknown) => {
          ctx.log.error('admin.internal-error', { conn: id, err });
          socket.destroy();
        });
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => ctx.registry.remove(id));
  });
}
