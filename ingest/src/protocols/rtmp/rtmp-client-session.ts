import { decodeFlvPayload, type FlvTagType } from '#ingest/media/flv-payload.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import type { AmfLimits } from '../amf/amf-limits.js';
import { encodeAmf0 } from '../amf/amf0-encoder.js';
import { LIMITS, type LimitName } from '../limits.js';
import { ProtocolError } from '../protocol-error.js';
import { ChunkDecoder } from './chunk-decoder.js';
import { encodeMessageChunks } from './chunk-encoder.js';
import { decodeCommand } from './command-message.js';
import { encodeControlMessage } from './control-message.js';
import { encodeFrameChunks } from './encode-frame-chunks.js';
import { RtmpClientHandshake } from './rtmp-client-handshake.js';
import { RtmpControlResponder } from './rtmp-control-responder.js';
import { routeRtmpMessage, type RtmpMessageRoutes } from './route-rtmp-message.js';
import { MessageType, UserControlEvent, type RtmpMessage } from './rtmp-message.js';

/** What the client does once connected. */
export type RtmpClientMode = 'publish' | 'play';

/** Options of an RTMP client session. */
export interface RtmpClientSessionOptions {
  readonly mode: RtmpClientMode;
  /** The connect `app` (may carry a `?query`). */
  readonly app: string;
  readonly tcUrl: string;
  /** The publish/play stream name (may carry a `?query`, e.g. a stream key's parameters). */
  readonly stream: string;
  /** Bytes to write to the server. */
  send(data: Uint8Array): void;
  /** What happened; called synchronously from `start`/`feed`. */
  onEvent(event: RtmpClientEvent): void;
  /** Chunk size we send with (announced with Set Chunk Size right after the handshake). Default 4096. */
  readonly outChunkSize?: number;
  readonly limits?: Partial<Record<LimitName, number>>;
  readonly random?: (size: number) => Uint8Array;
}

/** What a client session reports. */
export type RtmpClientEvent =
  | { type: 'connected' }
  /** The server accepted the publish (NetStream.Publish.Start): send frames from now on. */
  | { type: 'publishing' }
  /** The server started the play (NetStream.Play.Start): `frame` events follow. */
  | { type: 'playing' }
  | { type: 'frame'; frame: MediaFrame }
  /** The server refused connect, publish or play: the session is closed. */
  | { type: 'rejected'; stage: 'connect' | 'publish' | 'play'; code: string; description: string }
  /** The played stream ended on the server (UnpublishNotify, Play.Stop, Stream EOF) or the server said `close`. */
  | { type: 'ended'; code: string };

const COMMAND_CSID = 3;
const STREAM_CSID = 8;
const DEFAULT_CHUNK_SIZE = 128;
const TID_CONNECT = 1;
const TID_CREATE_STREAM = 4;
/** Buffer length we ask a server to keep for our play (ms), as FFmpeg does. */
const PLAY_BUFFER_MS = 3000;

/**
 * The client side of one RTMP connection, sans-I/O: handshake, `connect`, `createStream`, then
 * `publish` (releaseStream/FCPublish first, as encoders do) or `play`. Feed it the socket's bytes;
 * it answers protocol control (acknowledgements, pings) itself. In publish mode `encodeFrames`
 * turns hub frames into chunked messages on a timeline that starts at 0 with the first frame.
 * Bad input throws ProtocolError.
 */
export class RtmpClientSession {
  private readonly opts: RtmpClientSessionOptions;
  private readonly limits: Record<LimitName, number>;
  private readonly amfLimits: AmfLimits;
  private readonly handshake: RtmpClientHandshake;
  private readonly decoder: ChunkDecoder;
  private readonly chunkSize: number;
  private phase: 'idle' | 'handshake' | 'connecting' | 'creating' | 'starting' | 'active' | 'closed' = 'idle';
  private streamId = 0;
  /** Acknowledgements and ping answers. */
  private readonly control = new RtmpControlResponder((message) => this.sendMessage(message));
  private readonly routes: RtmpMessageRoutes = {
    control: (message) => this.onControl(message),
    command: (message) => this.onCommand(message),
    media: (message) => this.onMedia(message),
  };
  /** Publish mode: dts of the first frame sent, so the target's timeline starts at 0. */
  private base: number | undefined;
  private lastDts = 0;

  constructor(opts: RtmpClientSessionOptions) {
    this.opts = opts;
    this.limits = { ...LIMITS, ...opts.limits };
    this.amfLimits = this.limits;
    this.chunkSize = opts.outChunkSize ?? 4096;
    this.handshake = new RtmpClientHandshake({ random: opts.random });
    this.decoder = new ChunkDecoder({ onMessage: (m) => this.onMessage(m), limits: this.limits });
  }

  get state(): 'idle' | 'handshake' | 'connecting' | 'creating' | 'starting' | 'active' | 'closed' {
    return this.phase;
  }

  /** Bytes of the chunk stream received (after the handshake). */
  get bytesReceived(): number {
    return this.decoder.bytesReceived;
  }

  /** Sends C0+C1. */
  start(): void {
    if (this.phase !== 'idle') return;
    this.phase = 'handshake';
    this.opts.send(this.handshake.start());
  }

  /** Bytes from the server, any split. */
  feed(bytes: Uint8Array): void {
    if (this.phase === 'closed' || this.phase === 'idle') return;
    if (this.phase === 'handshake') {
      const step = this.handshake.push(bytes);
      for (const out of step.send) this.opts.send(out);
      if (!step.done) return;
      this.onHandshakeDone();
      bytes = step.rest;
      if (bytes.length === 0) return;
    }
    this.decoder.push(bytes);
    // Once closed (a refusal read just now), sendMessage drops the acknowledgement.
    this.control.acknowledge(this.decoder.bytesReceived);
  }

  /**
   * Publish mode, once `publishing`: the chunked bytes of `frames` on our message stream (one
   * buffer per frame). Timestamps are rebased so the target sees the stream start at 0.
   */
  encodeFrames(frames: readonly MediaFrame[]): Buffer[] {
    if (this.phase !== 'active' || this.opts.mode !== 'publish') return [];
    const out: Buffer[] = [];
    for (const frame of frames) {
      let f = frame;
      if (f.kind === 'video' || f.kind === 'audio' || f.kind === 'metadata') {
        if (f.kind !== 'metadata') this.base ??= f.dts;
        const base = this.base ?? f.dts;
        // Audio captured just before the first video keyframe would go negative: RTMP has no
        // negative timestamps, and a few ms early is harmless.
        const dts = Math.max(0, f.dts - base);
        if (f.kind === 'video') f = { ...f, dts, pts: Math.max(dts, f.pts - base) };
        else f = { ...f, dts };
        if (f.kind !== 'metadata') this.lastDts = dts;
      }
      const bytes = encodeFrameChunks(f, this.chunkSize, this.streamId, this.lastDts);
      if (bytes.byteLength > 0) out.push(bytes);
    }
    return out;
  }

  /** Publish mode: FCUnpublish + deleteStream, the polite end before closing the socket. */
  stop(): void {
    if (this.phase === 'closed') return;
    if (this.phase === 'active' && this.opts.mode === 'publish') {
      this.sendCommand('FCUnpublish', 0, null, [this.opts.stream]);
    }
    if (this.streamId !== 0) this.sendCommand('deleteStream', 0, null, [this.streamId]);
    this.phase = 'closed';
  }

  /** Marks the session closed: later input is ignored. */
  close(): void {
    this.phase = 'closed';
  }

  private onHandshakeDone(): void {
    this.phase = 'connecting';
    this.sendMessage(encodeControlMessage({ type: 'set-chunk-size', size: this.chunkSize }), DEFAULT_CHUNK_SIZE);
    const object: Record<string, unknown> =
      this.opts.mode === 'publish'
        ? { app: this.opts.app, type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; streamgate)', tcUrl: this.opts.tcUrl }
        : {
            app: this.opts.app,
            flashVer: 'LNX 9,0,124,2',
            tcUrl: this.opts.tcUrl,
            fpad: false,
            capabilities: 15,
            audioCodecs: 4071,
            videoCodecs: 252,
            videoFunction: 1,
          };
    this.sendCommand('connect', TID_CONNECT, object, []);
  }

  private onMessage(message: RtmpMessage): void {
    if (this.phase === 'closed') return;
    routeRtmpMessage(message, this.routes, this.limits.rtmpMaxMessageLength);
  }

  private onControl(message: RtmpMessage): void {
    const control = this.control.take(message);
    if (control?.type === 'user-control' && control.event === UserControlEvent.streamEof && this.opts.mode === 'play' && this.phase === 'active') {
      this.end('NetStream.Play.Stop');
    }
  }

  private onCommand(message: RtmpMessage): void {
    const { name, transactionId, args } = decodeCommand(message.typeId, message.payload, this.amfLimits);
    const info = (args[0] ?? {}) as Record<string, unknown>;
    const code = typeof info.code === 'string' ? info.code : '';
    const description = typeof info.description === 'string' ? info.description : '';
    if (name === '_result' && transactionId === TID_CONNECT && this.phase === 'connecting') {
      this.phase = 'creating';
      this.opts.onEvent({ type: 'connected' });
      if (this.opts.mode === 'publish') {
        this.sendCommand('releaseStream', 2, null, [this.opts.stream]);
        this.sendCommand('FCPublish', 3, null, [this.opts.stream]);
      }
      this.sendCommand('createStream', TID_CREATE_STREAM, null, []);
      return;
    }
    if (name === '_error' && transactionId === TID_CONNECT && this.phase === 'connecting') {
      this.reject('connect', code || 'NetConnection.Connect.Rejected', description);
      return;
    }
    if (name === '_result' && transactionId === TID_CREATE_STREAM && this.phase === 'creating') {
      const id = args[0];
      if (typeof id !== 'number' || !Number.isInteger(id) || id <= 0) {
        throw new ProtocolError('RTMP_BAD_COMMAND', `createStream answered with stream id ${String(id)}`);
      }
      this.streamId = id;
      this.phase = 'starting';
      if (this.opts.mode === 'publish') {
        this.sendCommand('publish', 0, null, [this.opts.stream, 'live'], id);
      } else {
        this.sendCommand('play', 0, null, [this.opts.stream, -2000], id);
        this.sendMessage(
          encodeControlMessage({ type: 'user-control', event: UserControlEvent.setBufferLength, streamId: id, bufferLength: PLAY_BUFFER_MS }),
        );
      }
      return;
    }
    if (name === '_error' && transactionId === TID_CREATE_STREAM) {
      this.reject(this.opts.mode, code || 'NetConnection.Call.Failed', description);
      return;
    }
    if (name === 'close') {
      this.end('NetConnection.Connect.Closed');
      return;
    }
    if (name !== 'onStatus') return;
    const level = info.level;
    if (this.phase === 'starting') {
      if (this.opts.mode === 'publish' && code === 'NetStream.Publish.Start') {
        this.phase = 'active';
        this.opts.onEvent({ type: 'publishing' });
      } else if (this.opts.mode === 'play' && code === 'NetStream.Play.Start') {
        this.phase = 'active';
        this.opts.onEvent({ type: 'playing' });
      } else if (level === 'error') {
        this.reject(this.opts.mode, code, description);
      }
      return;
    }
    if (this.phase !== 'active') return;
    if (this.opts.mode === 'play' && (code === 'NetStream.Play.UnpublishNotify' || code === 'NetStream.Play.Stop' || level === 'error')) {
      this.end(code);
    } else if (this.opts.mode === 'publish' && level === 'error') {
      // e.g. NetStream.Publish.Denied after a revocation, or a target that drops the stream.
      this.end(code);
    }
  }

  private onMedia(message: RtmpMessage): void {
    if (this.opts.mode !== 'play' || this.phase !== 'active') return;
    const isData = message.typeId === MessageType.dataAmf0 || message.typeId === MessageType.dataAmf3;
    let payload = message.payload;
    if (message.typeId === MessageType.dataAmf3 && payload.length > 0 && payload[0] === 0) payload = payload.subarray(1);
    if (payload.length === 0) return;
    const tagType: FlvTagType = isData ? 18 : (message.typeId as 8 | 9);
    if (isData) {
      // |RtmpSampleAccess, NetStream.Data.Start and other data messages are not metadata.
      const frame = tryDecodeMetadata(message.timestamp, payload);
      if (frame !== undefined) this.opts.onEvent({ type: 'frame', frame });
      return;
    }
    const frame = decodeFlvPayload(tagType, message.timestamp, payload);
    if (frame !== undefined) this.opts.onEvent({ type: 'frame', frame });
  }

  private reject(stage: 'connect' | 'publish' | 'play', code: string, description: string): void {
    this.phase = 'closed';
    this.opts.onEvent({ type: 'rejected', stage, code, description });
  }

  private end(code: string): void {
    this.phase = 'closed';
    this.opts.onEvent({ type: 'ended', code });
  }

  private sendMessage(message: RtmpMessage, chunkSize = this.chunkSize): void {
    if (this.phase === 'closed') return;
    this.opts.send(encodeMessageChunks(message, chunkSize));
  }

  private sendCommand(name: string, transactionId: number, commandObject: unknown, args: unknown[], streamId = 0): void {
    this.opts.send(
      encodeMessageChunks(
        {
          chunkStreamId: streamId === 0 ? COMMAND_CSID : STREAM_CSID,
          timestamp: 0,
          typeId: MessageType.commandAmf0,
          streamId,
          payload: encodeAmf0(name, transactionId, commandObject, ...args),
        },
        this.chunkSize,
      ),
    );
  }
}

function tryDecodeMetadata(timestamp: number, payload: Uint8Array): MediaFrame | undefined {
  try {
    return decodeFlvPayload(18, timestamp, payload);
  } catch (error) {
    if (error instanceof ProtocolError) return undefined;
    throw error;
  }
}
