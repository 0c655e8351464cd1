import { randomInt } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { StreamgateError } from '#domain/errors.js';
import { relayAddressRefusal } from '#domain/relay-url.js';
import type { Publication } from '#ingest/hub/hub.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { LIMITS } from '#ingest/protocols/limits.js';
import { ProtocolError } from '#ingest/protocols/protocol-error.js';
import { SrtCaller, type SrtCallerEstablished } from '#ingest/protocols/srt/srt-caller.js';
import { SrtConnection } from '#ingest/protocols/srt/srt-connection.js';
import { SrtPayloadCipher } from '#ingest/protocols/srt/srt-key-material.js';
import { decodeSrtPacket, SRT_HEADER_SIZE } from '#ingest/protocols/srt/srt-packet.js';
import { SrtTsPlayer } from '#ingest/servers/srt/srt-ts-player.js';
import { SrtTsPublication } from '#ingest/servers/srt/srt-ts-publication.js';
import { guardedLookup, RelayConnectError } from './relay-socket.js';
import type { SrtEndpoint } from '#domain/srt-endpoint.js';

/** A coded failure of an SRT relay link. */
export class SrtRelayError extends StreamgateError<'RELAY_TIMEOUT' | 'RELAY_REJECTED' | 'RELAY_CLOSED' | 'RELAY_PROTOCOL_ERROR'> {
  override readonly name = 'SrtRelayError';
}

/** How an SRT relay client runs. */
export interface SrtClientOptions {
  readonly endpoint: SrtEndpoint;
  /** publish: we send the hub's frames as MPEG-TS; read: we take MPEG-TS and give frames. */
  readonly mode: 'publish' | 'read';
  readonly allowPrivate: boolean;
  /** Bound on resolving and the handshake (RELAY_TIMEOUT). */
  readonly timeoutMs: number;
  /** The connection is established (publish: frames may be written). */
  onStart(): void;
  /** read: one demuxed frame. */
  onFrame?(frame: MediaFrame): void;
  /** publish: the send queue has room again after writeFrames returned false. */
  onDrain?(): void;
  /** The link is gone (error says why; undefined after our close). Called once. */
  onClose(error: (Error & { code?: string }) | undefined): void;
}

const MTU = 1500;
const WINDOW_PACKETS = 8192;
/** Handshake requests are repeated this often until answered (libsrt repeats every 250 ms). */
const HANDSHAKE_REPEAT_MS = 250;
const TICK_MS = 10;
/** Our receiving may hold this many payload bytes (a window of full packets), never more. */
const MAX_RECEIVE_BYTES = WINDOW_PACKETS * (MTU - 28 - SRT_HEADER_SIZE);
/** Pacing of what we send: 100 Mbit/s, as the SRT listener paces its players. */
const SEND_BYTES_PER_SECOND = 12_500_000;

/**
 * One SRT caller link (live mode, MPEG-TS payload) for a push target or a pull source: resolves
 * the host under the relay address policy, runs the caller handshake (SrtCaller, repeated until
 * answered, bounded by `timeoutMs`) and then one SrtConnection ticked every 10 ms. Packets from
 * any address but the listener's are dropped. The passphrase is never logged or put in errors.
 */
export class SrtClient {
  private socket: UdpSocket | undefined;
  private caller: SrtCaller | undefined;
  private conn: SrtConnection | undefined;
  private readonly socketId = randomInt(1, 0x7fffffff);
  private peer: { address: string; port: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private readonly player = new SrtTsPlayer();
  private publication: SrtTsPublication | undefined;
  private blocked = false;
  private closed = false;
  bytesIn = 0;
  bytesOut = 0;

  constructor(private readonly options: SrtClientOptions) {}

  start(): void {
    this.deadline = setTimeout(() => this.fail(new SrtRelayError('RELAY_TIMEOUT', `no SRT connection within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    this.deadline.unref();
    this.resolve().then(
      (address) => this.open(address),
      (err: Error) => this.fail(err),
    );
  }

  /** publish: queues `frames` as TS messages; false when the send queue is more than half full (wait for onDrain). */
  writeFrames(frames: readonly MediaFrame[]): boolean {
    const conn = this.conn;
    if (conn === undefined || this.closed) return true;
    const now = Date.now();
    for (const message of this.player.push(frames)) conn.send(message, now);
    this.flush();
    this.blocked = conn.queuedPackets > WINDOW_PACKETS / 2;
    return !this.blocked;
  }

  /** Ends the link from our side (a SHUTDOWN for the listener). */
  close(): void {
    if (this.closed) return;
    if (this.conn !== undefined) {
      this.conn.shutdown(Date.now());
      this.flush();
    }
    this.finish(undefined);
  }

  private resolve(): Promise<string> {
    const { host } = this.options.endpoint;
    if (isIP(host) !== 0) {
      const refusal = relayAddressRefusal(host, this.options.allowPrivate);
      return refusal === undefined ? Promise.resolve(host) : Promise.reject(new RelayConnectError('RELAY_ADDRESS_REFUSED', refusal));
    }
    return new Promise((resolve, reject) => {
      guardedLookup(this.options.allowPrivate)(host, { family: 0 }, (err, address) => {
        if (err) reject(err instanceof RelayConnectError ? err : new RelayConnectError('RELAY_CONNECT_FAILED', `${host}: ${err.message}`, { cause: err }));
        else resolve(address as string);
      });
    });
  }

  private open(address: string): void {
    if (this.closed) return;
    const { endpoint } = this.options;
    this.peer = { address, port: endpoint.port };
    const socket = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
    this.socket = socket;
    socket.on('error', (err) => this.fail(new RelayConnectError('RELAY_CONNECT_FAILED', `${address}:${endpoint.port}: ${err.message}`, { cause: err })));
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    this.caller = new SrtCaller({
      socketId: this.socketId,
      initialSeq: randomInt(0, 0x7fffffff),
      streamId: endpoint.streamId,
      ...(endpoint.passphrase !== undefined ? { passphrase: endpoint.passphrase } : {}),
      keyLength: endpoint.keyLength,
      latencyMs: endpoint.latencyMs,
      mtu: MTU,
      windowPackets: WINDOW_PACKETS,
    });
    socket.bind(0, () => {
      if (this.closed) return;
      this.sendRaw(this.caller!.request());
      this.timer = setInterval(() => {
        if (this.conn === undefined) this.sendRaw(this.caller!.request());
      }, HANDSHAKE_REPEAT_MS);
      this.timer.unref();
    });
  }

  private onMessage(msg: Buffer, rinfo: { address: string; port: number }): void {
    const peer = this.peer;
    if (this.closed || peer === undefined || rinfo.port !== peer.port || rinfo.address.replace(/^::ffff:/, '') !== peer.address.replace(/^::ffff:/, '')) return;
    this.bytesIn += msg.byteLength;
    try {
      const p = decodeSrtPacket(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
      if (p.socketId !== this.socketId && !(p.kind === 'control' && this.conn === undefined)) return;
      const now = Date.now();
      if (this.conn === undefined) {
        if (p.kind !== 'control') return;
        const step = this.caller!.handle(p, now);
        if (step.kind === 'send') this.sendRaw(step.packet);
        else if (step.kind === 'established') this.established(step.connection, now);
        return;
      }
      this.conn.handle(p, now);
      this.flush();
    } catch (err) {
      if (!(err instanceof ProtocolError)) return this.fail(err as Error);
      if (err.code === 'SRT_REJECTED' || err.code === 'SRT_BAD_SECRET' || err.code === 'SRT_HANDSHAKE_VERSION') return this.fail(new SrtRelayError('RELAY_REJECTED', err.message, { cause: err }));
      // a malformed datagram after the handshake: dropped (UDP can be forged), as the listener does
      if (this.conn === undefined) return this.fail(new SrtRelayError('RELAY_PROTOCOL_ERROR', err.message, { cause: err }));
    }
  }

  private established(c: SrtCallerEstablished, now: number): void {
    if (this.timer) clearInterval(this.timer);
    if (this.deadline) clearTimeout(this.deadline);
    this.conn = new SrtConnection({
      socketId: this.socketId,
      peerSocketId: c.peerSocketId,
      initialSeq: this.caller!.initialSeq,
      recvLatencyMs: c.recvLatencyMs,
      sendLatencyMs: c.sendLatencyMs,
      peerFlowWindow: c.flowWindow,
      windowPackets: Math.min(WINDOW_PACKETS, LIMITS.srtMaxWindowPackets),
      maxReceiveBytes: MAX_RECEIVE_BYTES,
      ...(c.keys !== undefined ? { cipher: new SrtPayloadCipher(c.keys), passphrase: this.options.endpoint.passphrase! } : {}),
      peerIdleTimeoutMs: 5000,
      sendBytesPerSecond: SEND_BYTES_PER_SECOND,
      start: now,
    });
    if (this.options.mode === 'read') {
      const onFrame = this.options.onFrame;
      const sink: Publication = { path: '', push: (frame) => onFrame?.(frame), end: () => {} };
      this.publication = new SrtTsPublication(sink);
    }
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
    this.options.onStart();
  }

  private tick(): void {
    const conn = this.conn;
    if (conn === undefined || this.closed) return;
    conn.tick(Date.now());
    this.flush();
    if (conn.closed !== undefined) {
      return this.fail(new SrtRelayError('RELAY_CLOSED', conn.closed === 'peer-shutdown' ? 'the far side closed the connection' : 'the far side went silent'));
    }
    if (this.blocked && conn.queuedPackets <= WINDOW_PACKETS / 4) {
      this.blocked = false;
      this.options.onDrain?.();
    }
  }

  /** Sends what the connection has to send, and demuxes what it delivered (read). */
  private flush(): void {
    const conn = this.conn;
    if (conn === undefined) return;
    const { packets, payloads } = conn.take();
    for (const p of packets) this.sendRaw(p);
    if (this.publication === undefined) return;
    try {
      for (const payload of payloads) this.publication.push(payload);
    } catch (err) {
      this.fail(new SrtRelayError('RELAY_PROTOCOL_ERROR', `the source sent bad MPEG-TS: ${(err as Error).message}`, { cause: err }));
    }
  }

  private sendRaw(packet: Uint8Array): void {
    const socket = this.socket;
    const peer = this.peer;
    if (socket === undefined || peer === undefined || this.closed) return;
    this.bytesOut += packet.byteLength;
    socket.send(packet, peer.port, peer.address);
  }

  private fail(err: Error & { code?: string }): void {
    this.finish(err);
  }

  private finish(err: (Error & { code?: string }) | undefined): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.deadline) clearTimeout(this.deadline);
    this.conn?.release();
    const socket = this.socket;
    // let the SHUTDOWN leave before the socket closes
    if (socket !== undefined) setImmediate(() => socket.close());
    this.options.onClose(err);
  }
}
