import { Duplex } from 'node:stream';
import { ProtocolError } from '#ingest/protocols/protocol-error.js';
import { LIMITS } from '#ingest/protocols/limits.js';
import { RTMPT_RESPONSE_HEADERS, RtmptTunnel } from '#ingest/protocols/rtmpt/rtmpt-tunnel.js';
import type { RtmptSession } from '#ingest/protocols/rtmpt/rtmpt-session.js';
import type { IngestContext } from '../ingest-context.js';
import { RtmpConnection, type RtmpConnectionOptions } from './rtmp-connection.js';

/** An answer of the tunnel for the HTTP server to write. */
export interface RtmptAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** Settings of the bridge. */
export interface RtmptBridgeOptions extends Omit<RtmpConnectionOptions, 'protocol'> {
  /** A session whose client sent nothing this long is gone (ffmpeg may never POST /close). */
  readonly sessionIdleMs: number;
}

/**
 * The RTMP byte stream of one tunnel session as a Duplex, so an ordinary RtmpConnection runs over
 * it: /send bodies are pushed as readable data, what the connection writes waits in the
 * RtmptSession for the next poll. Writes complete only while that queue is under half its bound,
 * so a player that polls slowly gets 'drain' late and the hub holds frames back for it.
 */
class TunnelDuplex extends Duplex {
  private held: ((err?: Error | null) => void) | undefined;
  private readonly highWater = LIMITS.rtmptMaxPendingOutput / 2;

  constructor(
    private readonly session: RtmptSession,
    private readonly onGone: () => void,
  ) {
    super({ allowHalfOpen: false });
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    try {
      this.session.enqueue(chunk);
    } catch (err) {
      done(err as Error);
      return;
    }
    if (this.session.pendingBytes > this.highWater) this.held = done;
    else done();
  }

  /** After a poll took bytes: lets held writes complete. */
  polled(): void {
    if (this.held !== undefined && this.session.pendingBytes <= this.highWater) {
      const done = this.held;
      this.held = undefined;
      done();
    }
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.held = undefined;
    this.onGone();
    done(err);
  }
}

/**
 * RTMPT on the HTTP listener (rtmpt://host:8080/APP/STREAM): the sans-I/O RtmptTunnel routes the
 * POST cycle, and each tunnel session carries a real RtmpConnection (publish and play, the same
 * access control as RTMP) through a TunnelDuplex. A /close, or a session that stops polling, ends
 * the RTMP connection, which unpublishes: ffmpeg drops the tail of its session before /close.
 */
export class RtmptBridge {
  private readonly tunnel = new RtmptTunnel();
  private readonly pipes = new Map<string, TunnelDuplex>();
  private readonly connections = new Map<string, RtmpConnection>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly ctx: IngestContext,
    private readonly options: RtmptBridgeOptions,
  ) {
    this.sweeper = setInterval(() => this.expire(), Math.min(5000, options.sessionIdleMs)).unref();
  }

  /** Open tunnel sessions. */
  get size(): number {
    return this.tunnel.size;
  }

  /**
   * Answers one tunnel request. Throws ProtocolError (RTMPT_* codes, map with rtmptErrorStatus);
   * while draining, a new session is refused with RTMPT_TOO_MANY_SESSIONS (503).
   */
  handle(method: string, segments: readonly string[], body: Uint8Array, remoteAddress: string): RtmptAnswer {
    if (this.ctx.state.draining && segments[0] === 'open') {
      throw new ProtocolError('RTMPT_TOO_MANY_SESSIONS', 'Draining: no new RTMPT sessions');
    }
    // A tunnel session is a connection of its own: it counts in its address's cap beside the
    // HTTP connections that carry it (they may come and go while it lasts).
    const opening = segments[0] === 'open';
    if (opening && !this.ctx.connectionsPerAddress.tryAdd(remoteAddress)) {
      throw new ProtocolError('RTMPT_TOO_MANY_FROM_ADDRESS', `Too many connections from ${remoteAddress}: limit ${this.ctx.config.maxConnectionsPerAddress}`);
    }
    let route;
    try {
      route = this.tunnel.route(method, segments, body, Date.now());
    } catch (err) {
      if (opening) this.ctx.connectionsPerAddress.remove(remoteAddress);
      throw err;
    }
    if (opening && route.kind !== 'open') this.ctx.connectionsPerAddress.remove(remoteAddress);
    const answer = (status: number, data: Uint8Array): RtmptAnswer => ({ status, headers: RTMPT_RESPONSE_HEADERS, body: data });
    switch (route.kind) {
      case 'ident':
        return answer(route.status, route.body);
      case 'open': {
        const { session } = route;
        const pipe = new TunnelDuplex(session, () => {
          this.ctx.connectionsPerAddress.remove(remoteAddress);
          this.pipes.delete(session.id);
          this.connections.delete(session.id);
          this.tunnel.remove(session.id);
        });
        this.pipes.set(session.id, pipe);
        this.connections.set(session.id, new RtmpConnection(pipe, remoteAddress, { ...this.options, protocol: 'rtmpt' }, this.ctx));
        return answer(200, route.body);
      }
      case 'send': {
        const pipe = this.pipes.get(route.session.id);
        if (route.data.length > 0) pipe?.push(Buffer.from(route.data.buffer, route.data.byteOffset, route.data.byteLength));
        return this.poll(route.session, pipe);
      }
      case 'idle':
        return this.poll(route.session, this.pipes.get(route.session.id));
      case 'close':
        this.end(route.session.id);
        return answer(200, route.body);
    }
  }

  /**
   * Whether a tunnel request path (`/send/<id>/<seq>`, …) belongs to a session whose RTMP
   * connection is publishing: its bodies carry media, so the HTTP connection carrying them gets
   * a publisher's pending-bytes bound.
   */
  carriesPublisher(target: string): boolean {
    const m = /^\/(?:send|idle|close)\/([0-9A-Za-z]{1,63})\//.exec(target);
    return m !== null && this.connections.get(m[1]!)?.isPublishing === true;
  }

  private poll(session: RtmptSession, pipe: TunnelDuplex | undefined): RtmptAnswer {
    const body = session.reply();
    pipe?.polled();
    return { status: 200, headers: RTMPT_RESPONSE_HEADERS, body };
  }

  private end(id: string): void {
    const pipe = this.pipes.get(id);
    this.pipes.delete(id);
    // End of input first (the connection unpublishes as on a TCP FIN), then release the pipe.
    pipe?.push(null);
    pipe?.destroy();
  }

  private expire(): void {
    for (const s of this.tunnel.expire(Date.now(), this.options.sessionIdleMs)) this.end(s.id);
  }

  /** Ends every session and stops the expiry timer. */
  close(): void {
    clearInterval(this.sweeper);
    for (const id of [...this.pipes.keys()]) this.end(id);
  }
}
