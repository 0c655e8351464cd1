import type { Duplex } from 'node:stream';
import type { LogFields, Logger } from '#domain/logger.js';
import { ProtocolError } from '#ingest/protocols/protocol-error.js';
import type { ConnectionEntry, ConnectionRegistry } from './connection-registry.js';
import { DirectSocketWriter } from './direct-socket-write.js';

/** What a connection tells {@link TrackedConnection} about itself. */
export interface TrackedConnectionInit {
  readonly registry: ConnectionRegistry;
  /** The listener's logger; the connection logs through a child carrying its id, protocol and remote address. */
  readonly log: Logger;
  readonly protocol: string;
  /** Prefix of the connection's own error events (`rtmp` → `rtmp.protocol-error`, `rtmp.internal-error`). */
  readonly events: string;
  readonly socket: Duplex;
  readonly remoteAddress: string;
  /** False: the raw-byte dump skips this connection (an HTTP socket: the RTMPT tunnel inside it is dumped as its own connection). */
  readonly dump?: boolean;
  /** The app known from the start (a raw listener's configured app). */
  readonly app?: string;
  /** Admin kick and shutdown; closes with reason `kicked` when not given. */
  readonly kick?: (reason: string) => void;
  /**
   * Releases what the connection holds (streams, timers, session, pending-bytes account), once,
   * when it closes; may return fields for the `connection.close` line.
   */
  readonly release?: (reason: string) => LogFields | undefined;
}

/**
 * The part every socket connection (RTMP, RTSP, raw TCP, HTTP) has: an id and an entry in the
 * connection registry (admin list and kick, metrics, the raw-byte dump), a child logger, byte
 * counters, counted writes, and one way to fail and to close: a coded ProtocolError is a warning
 * and a bug an error, both close this connection only; `close` is idempotent, releases, leaves
 * the registry, destroys the socket and logs `connection.close` with what the entry knows.
 */
export class TrackedConnection {
  readonly id: string;
  readonly log: Logger;
  readonly entry: ConnectionEntry;
  readonly startedAt = Date.now();
  bytesIn = 0;
  /** Bytes written through `write` and counted by the owner; `totalBytesOut` adds the direct writer's. */
  bytesOut = 0;
  /** Set once `close` ran (or the owner knows the socket is done). */
  closed = false;
  /** Set by closeSoon: the real reason, whatever event finally closes the socket. */
  private closeReason: string | undefined;
  private readonly registry: ConnectionRegistry;
  private readonly socket: Duplex;
  private readonly events: string;
  private readonly release: ((reason: string) => LogFields | undefined) | undefined;
  private direct: DirectSocketWriter | undefined;

  constructor(init: TrackedConnectionInit) {
    this.registry = init.registry;
    this.socket = init.socket;
    this.events = init.events;
    this.release = init.release;
    this.id = init.registry.nextId();
    this.log = init.log.child({ conn: this.id, protocol: init.protocol, remote: init.remoteAddress });
    this.entry = new TrackedEntry(this, init);
    init.registry.add(this.entry);
  }

  /**
   * The socket's DirectSocketWriter (one per connection, made with `copyQueued` on the first call),
   * for media written straight to the kernel; it counts its own bytes, so a player's per-tick write
   * touches no counter of this object.
   */
  directWriter(copyQueued = false): DirectSocketWriter {
    this.direct ??= new DirectSocketWriter(this.socket, copyQueued);
    return this.direct;
  }

  /** Every byte written: through `write` (and counted by owners in `bytesOut`) and through the direct writer. */
  get totalBytesOut(): number {
    return this.bytesOut + (this.direct?.bytes ?? 0);
  }

  /** Writes and counts `data`; false (nothing written) once closed, or when the socket's buffer is full. */
  write(data: Uint8Array): boolean {
    if (this.closed || this.socket.destroyed) return false;
    this.bytesOut += data.byteLength;
    return this.socket.write(data);
  }

  /** Logs a refused input (coded) or a bug, and closes this connection only. */
  fail(err: unknown): void {
    if (err instanceof ProtocolError) {
      this.log.warn(`${this.events}.protocol-error`, { code: err.code, message: err.message });
      this.close('protocol-error', { code: err.code });
    } else {
      this.log.error(`${this.events}.internal-error`, { err });
      this.close('internal-error');
    }
  }

  /** Lets the last answer reach the peer, then closes. */
  closeSoon(reason: string): void {
    this.closeReason ??= reason;
    setTimeout(() => this.close(reason), 100).unref();
    this.socket.end();
  }

  /** Closes the connection (idempotent): releases, leaves the registry, destroys the socket, logs `connection.close`. */
  close(reason: string, fields: LogFields = {}): void {
    if (this.closed) return;
    this.closed = true;
    reason = this.closeReason ?? reason;
    const extra = this.release?.(reason);
    this.leave();
    this.socket.destroy();
    this.log.info('connection.close', {
      reason,
      ...fields,
      ...extra,
      app: this.entry.app,
      stream: this.entry.stream,
      role: this.entry.role,
      bytesIn: this.bytesIn,
      bytesOut: this.totalBytesOut,
      durationMs: Date.now() - this.startedAt,
    });
  }

  /** Leaves the registry (for a connection whose socket closes on its own, without `close`). */
  leave(): void {
    this.closed = true;
    this.registry.remove(this.id);
  }
}

/**
 * A connection's registry entry. Its byte counts and kick read the connection through methods on
 * the prototype: no closures per connection (docs/benchmark.md, Round 6).
 */
class TrackedEntry implements ConnectionEntry {
  readonly id: string;
  readonly protocol: string;
  readonly remoteAddress: string;
  readonly since: number;
  role?: 'publisher' | 'player';
  app?: string;
  stream?: string;
  user?: string;
  readonly socket: Duplex | undefined;
  private readonly onKick: ((reason: string) => void) | undefined;

  constructor(
    private readonly conn: TrackedConnection,
    init: TrackedConnectionInit,
  ) {
    this.id = conn.id;
    this.protocol = init.protocol;
    this.remoteAddress = init.remoteAddress;
    this.since = conn.startedAt;
    this.app = init.app;
    this.socket = init.dump === false ? undefined : init.socket;
    this.onKick = init.kick;
  }

  bytesIn(): number {
    return this.conn.bytesIn;
  }

  bytesOut(): number {
    return this.conn.totalBytesOut;
  }

  kick(reason: string): void {
    if (this.onKick !== undefined) this.onKick(reason);
    else this.conn.close('kicked', { reason });
  }
}
