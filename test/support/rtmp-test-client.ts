import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { decodeFlvPayload, encodeFlvPayload } from '#ingest/media/flv-payload.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { encodeAmf0 } from '#ingest/protocols/amf/amf0-encoder.js';
import { ChunkDecoder } from '#ingest/protocols/rtmp/chunk-decoder.js';
import { encodeMessageChunks } from '#ingest/protocols/rtmp/chunk-encoder.js';
import { decodeAmfMessageValues, decodeCommand } from '#ingest/protocols/rtmp/command-message.js';
import { type ControlMessage, decodeControlMessage, encodeControlMessage } from '#ingest/protocols/rtmp/control-message.js';
import { HANDSHAKE_PACKET_SIZE } from '#ingest/protocols/rtmp/rtmp-handshake.js';
import { MessageType, type RtmpMessage } from '#ingest/protocols/rtmp/rtmp-message.js';

/** One message the client received, decoded. */
export type ReceivedMessage =
  | {
      kind: 'command';
      name: string;
      transactionId: number;
      commandObject: unknown;
      args: unknown[];
      streamId: number;
      /** For onStatus/_result/_error: the info object's `code`, when there is one. */
      code?: string;
    }
  | { kind: 'data'; values: unknown[]; streamId: number; timestamp: number }
  | { kind: 'media'; typeId: number; frame: MediaFrame | undefined; streamId: number; timestamp: number; payload: Uint8Array }
  | { kind: 'control'; control: ControlMessage };

function codeOf(values: unknown[]): string | undefined {
  for (const value of values) {
    if (value !== null && typeof value === 'object' && typeof (value as { code?: unknown }).code === 'string') {
      return (value as { code: string }).code;
    }
  }
  return undefined;
}

/**
 * A scripted RTMP client for tests: plain handshake over a real socket, the same codecs as the
 * server, and a log of every message it received, in order (`received`), so a test can assert
 * what came before what.
 */
export class RtmpTestClient {
  /** Every message received, in order. */
  readonly received: ReceivedMessage[] = [];
  private socket: net.Socket | undefined;
  private readonly decoder = new ChunkDecoder({ onMessage: (m) => this.onMessage(m) });
  private readonly consumed = new Set<ReceivedMessage>();
  private waiters: (() => void)[] = [];
  private nextTransactionId = 1;
  private chunkSize = 128;
  private publishStreamId = 0;
  /** Resolves when the server closed the connection (or it failed). */
  closed: Promise<void> = Promise.resolve();
  /** True once the socket has closed. */
  isClosed = false;

  constructor(private readonly opts: { chunkSize?: number } = {}) {}

  /**
   * Connects, handshakes and sends `connect` for the URL's app (first path segment plus the
   * query, like FFmpeg). Resolves with the `_result` or `_error` answer. An `rtmps:` URL connects
   * over TLS without verifying the certificate (the test fixtures' is self-signed).
   */
  async connect(url: string, extra: Record<string, unknown> = {}): Promise<ReceivedMessage & { kind: 'command' }> {
    const parsed = new URL(url);
    const port = parsed.port === '' ? 1935 : Number(parsed.port);
    const app = parsed.pathname.split('/')[1] ?? '';
    const secure = parsed.protocol === 'rtmps:';
    const socket = secure ? tls.connect({ port, host: parsed.hostname, rejectUnauthorized: false }) : net.connect(port, parsed.hostname);
    this.socket = socket;
    socket.setNoDelay(true);
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once(secure ? 'secureConnect' : 'connect', resolve);
      socket.once('error', reject);
    });
    await this.handshake(socket);
    socket.on('data', (data: Buffer) => this.decoder.push(data));
    const chunkSize = this.opts.chunkSize ?? 4096;
    this.sendRaw(encodeControlMessage({ type: 'set-chunk-size', size: chunkSize }));
    this.chunkSize = chunkSize;
    const tid = this.call('connect', {
      app: app + parsed.search,
      type: 'nonprivate',
      flashVer: 'FMLE/3.0 (compatible; streamgate-test)',
      tcUrl: `${parsed.protocol}//${parsed.host}/${app}${parsed.search}`,
      ...extra,
    });
    return this.nextCommand((m) => (m.name === '_result' || m.name === '_error') && m.transactionId === tid);
  }

  private async handshake(socket: net.Socket): Promise<void> {
    const c1 = randomBytes(HANDSHAKE_PACKET_SIZE);
    c1.writeUInt32BE(0, 0);
    c1.writeUInt32BE(0, 4); // version 0: plain handshake
    socket.write(Buffer.concat([Buffer.from([3]), c1]));
    let buf = Buffer.alloc(0);
    const need = 1 + 2 * HANDSHAKE_PACKET_SIZE;
    await new Promise<void>((resolve, reject) => {
      const onData = (data: Buffer): void => {
        buf = Buffer.concat([buf, data]);
        if (buf.length < need) return;
        socket.off('data', onData);
        socket.off('close', onClose);
        const s1 = buf.subarray(1, 1 + HANDSHAKE_PACKET_SIZE);
        socket.write(s1); // C2 echoes S1
        const rest = buf.subarray(need);
        resolve();
        if (rest.length > 0) queueMicrotask(() => this.decoder.push(rest));
      };
      const onClose = (): void => reject(new Error('connection closed during handshake'));
      socket.on('data', onData);
      socket.on('close', onClose);
    });
  }

  /** Sends a command; returns its transaction id. */
  call(name: string, commandObject: unknown, args: unknown[] = [], streamId = 0): number {
    const tid = this.nextTransactionId++;
    this.sendCommand(name, tid, commandObject, args, streamId);
    return tid;
  }

  /** Sends a command with an explicit transaction id (0 for NetStream commands). */
  sendCommand(name: string, transactionId: number, commandObject: unknown, args: unknown[] = [], streamId = 0): void {
    this.sendRaw({
      chunkStreamId: streamId === 0 ? 3 : 8,
      timestamp: 0,
      typeId: MessageType.commandAmf0,
      streamId,
      payload: encodeAmf0(name, transactionId, commandObject, ...args),
    });
  }

  /** Chunks and writes one message with the client's chunk size. */
  sendRaw(message: RtmpMessage): void {
    this.socket?.write(encodeMessageChunks(message, this.chunkSize));
  }

  /** `createStream`; resolves with the new stream id. */
  async createStream(): Promise<number> {
    const tid = this.call('createStream', null);
    const result = await this.nextCommand((m) => m.name === '_result' && m.transactionId === tid);
    return result.args[0] as number;
  }

  /** releaseStream, FCPublish, createStream, publish; resolves with the first onStatus on the stream. */
  async publish(name: string, type: 'live' | 'record' | 'append' = 'live'): Promise<ReceivedMessage & { kind: 'command' }> {
    this.call('releaseStream', null, [name]);
    this.call('FCPublish', null, [name]);
    const streamId = await this.createStream();
    this.publishStreamId = streamId;
    this.sendCommand('publish', 0, null, [name, type], streamId);
    return this.nextCommand((m) => m.name === 'onStatus' && m.streamId === streamId);
  }

  /** createStream, play; resolves with the first onStatus on the stream (Play.Reset/Start or an error). */
  async play(name: string, opts: { start?: number; reset?: boolean } = {}): Promise<ReceivedMessage & { kind: 'command' }> {
    const streamId = await this.createStream();
    const args: unknown[] = [name, opts.start ?? -2];
    if (opts.reset !== undefined) args.push(-1, opts.reset);
    this.sendCommand('play', 0, null, args, streamId);
    return this.nextCommand((m) => m.name === 'onStatus' && m.streamId === streamId);
  }

  /** Sends one frame on the publishing stream (metadata wrapped in @setDataFrame, as FFmpeg does). */
  sendFrame(frame: MediaFrame, streamId = this.publishStreamId, configTimestamp = 0): void {
    const tag = encodeFlvPayload(frame);
    const payload = tag.tagType === 18 ? Buffer.concat([encodeAmf0('@setDataFrame'), tag.body]) : tag.body;
    const timestamp = Math.round('dts' in frame ? frame.dts : configTimestamp);
    this.sendRaw({ chunkStreamId: tag.tagType === 8 ? 4 : tag.tagType === 9 ? 6 : 5, timestamp, typeId: tag.tagType, streamId, payload });
  }

  /**
   * The first received message (not already returned by nextMessage) that matches, waiting up to
   * `timeoutMs` for it.
   */
  async nextMessage(predicate: (m: ReceivedMessage) => boolean, timeoutMs = 5000): Promise<ReceivedMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find((m) => !this.consumed.has(m) && predicate(m));
      if (found !== undefined) {
        this.consumed.add(found);
        return found;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching RTMP message within ${timeoutMs} ms`);
      if (this.isClosed) throw new Error('connection closed before a matching RTMP message arrived');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** nextMessage restricted to commands. */
  async nextCommand(
    predicate: (m: ReceivedMessage & { kind: 'command' }) => boolean,
    timeoutMs = 5000,
  ): Promise<ReceivedMessage & { kind: 'command' }> {
    return (await this.nextMessage((m) => m.kind === 'command' && predicate(m), timeoutMs)) as ReceivedMessage & {
      kind: 'command';
    };
  }

  /** Stops reading from the socket (a slow player: the server's writes back up). */
  pauseReading(): void {
    this.socket?.pause();
  }

  /** Reads again after pauseReading. */
  resumeReading(): void {
    this.socket?.resume();
  }

  /** Closes the socket and waits for it to be closed. */
  async close(): Promise<void> {
    this.socket?.destroy();
    await this.closed;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private onMessage(message: RtmpMessage): void {
    const { typeId, streamId, timestamp, payload } = message;
    if (typeId === MessageType.commandAmf0 || typeId === MessageType.commandAmf3) {
      const c = decodeCommand(typeId, payload);
      this.received.push({ kind: 'command', ...c, streamId, code: codeOf([c.commandObject, ...c.args]) });
    } else if (typeId === MessageType.dataAmf0 || typeId === MessageType.dataAmf3) {
      const values = decodeAmfMessageValues(typeId, payload);
      if (values[0] === 'onMetaData') {
        this.received.push({ kind: 'media', typeId, frame: decodeFlvPayload(18, timestamp, payload), streamId, timestamp, payload });
      } else this.received.push({ kind: 'data', values, streamId, timestamp });
    } else if (typeId === MessageType.audio || typeId === MessageType.video) {
      let frame: MediaFrame | undefined;
      try {
        frame = payload.length > 0 ? decodeFlvPayload(typeId, timestamp, payload) : undefined;
      } catch {
        frame = undefined;
      }
      this.received.push({ kind: 'media', typeId, frame, streamId, timestamp, payload });
    } else {
      const control = decodeControlMessage(typeId, payload);
      if (control !== undefined) this.received.push({ kind: 'control', control });
    }
    this.wake();
  }
}
