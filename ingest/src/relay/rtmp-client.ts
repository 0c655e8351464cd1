import { StreamgateError } from '#domain/errors.js';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { adobeClientStep } from '../protocols/rtmp/adobe-client-auth.js';
import type { MediaFrame } from '../media/media-frame.js';
import { ProtocolError } from '../protocols/protocol-error.js';
import { RtmpClientSession, type RtmpClientEvent, type RtmpClientMode } from '../protocols/rtmp/rtmp-client-session.js';
import { connectRelaySocket } from './relay-socket.js';
import type { RtmpEndpoint } from './rtmp-endpoint.js';

/** Options of an RTMP client connection. */
export interface RtmpClientOptions {
  readonly endpoint: RtmpEndpoint;
  readonly mode: RtmpClientMode;
  readonly allowPrivate: boolean;
  /** Bound on TCP connect plus handshake, connect, createStream and publish/play answers. */
  readonly timeoutMs: number;
  /** Media of a play; protocol events. */
  onEvent(event: RtmpClientEvent): void;
  /** The connection is gone (`error` says why, undefined for a local close). Called once. */
  onClose(error: Error | undefined): void;
  /** The socket drained after writeFrames returned false. */
  onDrain?(): void;
}

/** A step that did not happen in time (`RELAY_TIMEOUT`) or a refusal from the far side (`RELAY_REJECTED`). */
export class RelayProtocolError extends StreamgateError {
  override readonly name = 'RelayProtocolError';
}

/** Connects after the first one that a login may take (Adobe: need auth → challenge → response). */
const MAX_AUTH_STEPS = 2;

/**
 * One outgoing RTMP connection (publish to a target, or play from a source): the socket around
 * a sans-I/O RtmpClientSession. Used by push targets, pull sources and cluster edge pulls. With
 * credentials in the URL it logs in with Adobe auth when the server asks for it (a refused
 * connect naming `authmod=adobe`), on new connections as FFmpeg and OBS do; a refused login is
 * `RELAY_AUTH_FAILED`.
 */
export class RtmpClient {
  private socket: Socket | undefined;
  private session: RtmpClientSession | undefined;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  /** Adobe auth: the query the next connect carries after its app, and the steps taken. */
  private authQuery = '';
  private authSteps = 0;
  bytesIn = 0;
  bytesOut = 0;

  constructor(private readonly options: RtmpClientOptions) {}

  /** Connects and starts the handshake; events follow through `onEvent`/`onClose`. */
  start(): void {
    const { timeoutMs } = this.options;
    this.timer = setTimeout(() => this.fail(new RelayProtocolError('RELAY_TIMEOUT', `no ${this.options.mode} start within ${timeoutMs} ms`)), timeoutMs);
    this.timer.unref();
    this.connect();
  }

  private connect(): void {
    const { endpoint, timeoutMs } = this.options;
    connectRelaySocket({ host: endpoint.host, port: endpoint.port, tls: endpoint.tls, allowPrivate: this.options.allowPrivate, timeoutMs }).then(
      (socket) => this.attach(socket),
      (err: Error) => this.fail(err),
    );
  }

  private attach(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.socket = socket;
    const { endpoint, mode } = this.options;
    const query = this.authQuery === '' ? '' : `?${this.authQuery}`;
    this.session = new RtmpClientSession({
      mode,
      app: endpoint.app + query,
      tcUrl: endpoint.tcUrl + query,
      stream: endpoint.stream,
      send: (data) => this.write(data),
      onEvent: (event) => this.onSessionEvent(event),
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.closed || this.socket !== socket) return;
      this.bytesIn += chunk.byteLength;
      try {
        socket.cork();
        this.session!.feed(chunk);
      } catch (err) {
        this.fail(err instanceof Error ? err : new Error(String(err)));
      } finally {
        socket.uncork();
      }
    });
    socket.on('drain', () => this.options.onDrain?.());
    socket.on('error', (err) => {
      if (this.socket === socket) this.fail(err);
    });
    socket.on('close', () => {
      if (this.socket === socket) this.fail(new RelayProtocolError('RELAY_CLOSED', 'the far side closed the connection'));
    });
    this.session.start();
  }

  private onSessionEvent(event: RtmpClientEvent): void {
    if (event.type === 'publishing' || event.type === 'playing') {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (event.type === 'rejected' && event.stage === 'connect' && this.loginStep(event.description)) return;
    if (event.type === 'rejected') {
      this.options.onEvent(event);
      this.fail(new RelayProtocolError('RELAY_REJECTED', `${event.stage} refused: ${event.code} ${event.description}`.trim()));
      return;
    }
    if (event.type === 'ended') {
      this.options.onEvent(event);
      this.fail(new RelayProtocolError('RELAY_ENDED', `stream ended on the far side: ${event.code}`));
      return;
    }
    this.options.onEvent(event);
  }

  /**
   * A refused connect with credentials in the URL: the next Adobe step on a new connection
   * (true), a refused login (true, failed), or not an auth refusal (false: it stands).
   */
  private loginStep(description: string): boolean {
    const { user, password } = this.options.endpoint;
    if (user === undefined || password === undefined) return false;
    const step = adobeClientStep(description, user, password, randomBytes(4).toString('hex'));
    if (step.kind === 'failed') {
      this.fail(new RelayProtocolError('RELAY_AUTH_FAILED', `connect refused: Adobe auth failed (${step.reason})`));
      return true;
    }
    if (step.kind === 'none' || this.authSteps >= MAX_AUTH_STEPS) return false;
    this.authSteps++;
    this.authQuery = step.query;
    const old = this.socket;
    this.socket = undefined;
    this.session?.close();
    this.session = undefined;
    old?.destroy();
    this.connect();
    return true;
  }

  private write(data: Uint8Array): boolean {
    const socket = this.socket;
    if (socket === undefined || socket.destroyed) return false;
    this.bytesOut += data.byteLength;
    return socket.write(data);
  }

  /** Publish mode: sends frames; false when the socket's buffer is full (wait for onDrain). */
  writeFrames(frames: readonly MediaFrame[]): boolean {
    const socket = this.socket;
    if (this.closed || socket === undefined || this.session === undefined) return true;
    const parts = this.session.encodeFrames(frames);
    if (parts.length === 0) return !socket.writableNeedDrain;
    socket.cork();
    for (const part of parts) this.write(part);
    socket.uncork();
    return !socket.writableNeedDrain;
  }

  /** Ends the connection politely (publish: FCUnpublish, deleteStream); onClose(undefined) follows. */
  close(): void {
    if (this.closed) return;
    try {
      this.session?.stop();
    } catch {
      // Best effort: the socket goes anyway.
    }
    this.finish(undefined);
  }

  private fail(err: Error): void {
    if (err instanceof ProtocolError) err = new RelayProtocolError(err.code, err.message);
    this.finish(err);
  }

  private finish(err: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.session?.close();
    if (this.socket) {
      if (err === undefined) this.socket.end();
      setTimeout(() => this.socket?.destroy(), err === undefined ? 500 : 0).unref();
    }
    this.options.onClose(err);
  }
}
