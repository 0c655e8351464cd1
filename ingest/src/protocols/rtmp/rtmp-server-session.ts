import type { MediaFrame } from '#ingest/media/media-frame.js';
import { decodeFlvPayload, type FlvTagType } from '#ingest/media/flv-payload.js';
import type { AmfLimits } from '../amf/amf-limits.js';
import { LIMITS, type LimitName } from '../limits.js';
import { UNBOUNDED_PENDING_BYTES, type PendingBytesAccount } from '../pending-bytes-budget.js';
import { ProtocolError, checkLimit } from '../protocol-error.js';
import { ChunkDecoder } from './chunk-decoder.js';
import { encodeMessageChunks } from './chunk-encoder.js';
import { decodeCommand, type RtmpCommand } from './command-message.js';
import { encodeControlMessage } from './control-message.js';
import { RtmpControlResponder } from './rtmp-control-responder.js';
import { routeRtmpMessage, type RtmpMessageRoutes } from './route-rtmp-message.js';
import { RtmpServerHandshake, type RtmpServerHandshakeOptions } from './rtmp-handshake.js';
import { MessageType, UserControlEvent, type RtmpMessage } from './rtmp-message.js';
import { encodeAmf0 } from '../amf/amf0-encoder.js';

export { encodeFrameChunks } from './encode-frame-chunks.js';

/** How the session talks to its owner (the socket server). */
export interface RtmpServerSessionOptions {
  /** Bytes to write to the peer. */
  send(data: Uint8Array): void;
  /** Requests for the server to decide on, and media. Called synchronously from `feed`. */
  onEvent(event: RtmpSessionEvent): void;
  /** Default 4096: sent as Set Chunk Size right after connect is accepted. */
  outChunkSize?: number;
  /** Default 2_500_000: the Window Acknowledgement Size we announce. */
  windowAckSize?: number;
  /** Overrides of LIMITS (any subset; numbers, not the literal types of LIMITS). */
  limits?: Partial<Record<LimitName, number>>;
  /** Handshake randomness/clock, for reproducible tests. */
  handshake?: RtmpServerHandshakeOptions;
  /**
   * Where half-received messages and the commands queued before the connect answer are counted
   * (the server's per-connection account). With one, messages are limited to
   * `unauthorizedMaxMessageLength` until `authorizeInput()`. Default: not counted, no such limit.
   */
  pending?: PendingBytesAccount;
}

/** What a session asks its server to decide on, or hands it. */
export type RtmpSessionEvent =
  | {
      type: 'connect';
      transactionId: number;
      /** Raw, may contain ?query. */
      app: string;
      tcUrl?: string;
      commandObject: Record<string, unknown>;
      args: unknown[];
    }
  | {
      type: 'publish';
      streamId: number;
      transactionId: number;
      /** Raw, may contain ?query. */
      name: string;
      publishType: 'live' | 'record' | 'append';
    }
  | { type: 'play'; streamId: number; transactionId: number; name: string; start: number; duration: number; reset: boolean }
  /** Audio/video/data messages of a publishing stream. */
  | { type: 'frame'; streamId: number; frame: MediaFrame }
  /** FCUnpublish / closeStream / deleteStream of a publisher. */
  | { type: 'unpublish'; streamId: number }
  /** closeStream / deleteStream of a player. */
  | { type: 'stop-play'; streamId: number }
  /** receiveAudio / receiveVideo. */
  | { type: 'receive-media'; streamId: number; audio?: boolean; video?: boolean };

type StreamState = 'idle' | 'publish-pending' | 'publishing' | 'play-pending' | 'playing';

interface MessageStream {
  state: StreamState;
  name: string;
}

const DEFAULT_CHUNK_SIZE = 128;
const COMMAND_CSID = 3;
const STREAM_DATA_CSID = 5;
/** Commands a client may send between `connect` and our answer before we call it abuse. */
const MAX_PENDING_COMMANDS = 32;
const FMS_VERSION = 'FMS/3,0,1,123';

/** The part of a name before any `?query`. */
function stripQuery(name: string): string {
  const q = name.indexOf('?');
  return q < 0 ? name : name.slice(0, q);
}

/**
 * The server side of one RTMP connection, sans-I/O: `feed` it the socket's bytes; it answers the
 * handshake and protocol control itself, and turns NetConnection/NetStream commands into events
 * the server decides on with `accept…`/`reject…` (possibly later, after an auth round trip).
 * Media of publishing streams comes out as `frame` events. Bad input throws ProtocolError.
 */
export class RtmpServerSession {
  private readonly opts: RtmpServerSessionOptions;
  private readonly limits: Record<LimitName, number>;
  private readonly amfLimits: AmfLimits;
  private readonly handshake: RtmpServerHandshake;
  private readonly decoder: ChunkDecoder;
  private readonly targetChunkSize: number;
  private readonly windowAckSize: number;
  private currentState: 'handshake' | 'connecting' | 'connected' | 'closed' = 'handshake';
  private chunkSize = DEFAULT_CHUNK_SIZE;
  private connectReceived = false;
  private objectEncoding: number | undefined;
  private pending: RtmpMessage[] = [];
  /** Acknowledgements and ping answers. */
  private readonly control = new RtmpControlResponder((message) => this.sendMessage(message));
  private readonly routes: RtmpMessageRoutes = {
    control: (message) => this.control.take(message),
    command: (message) => this.onCommandMessage(message),
    media: (message) => this.onMedia(message),
  };
  private readonly streams = new Map<number, MessageStream>();
  private createdStreams = 0;
  private readonly pendingBytes: PendingBytesAccount;

  constructor(opts: RtmpServerSessionOptions) {
    this.opts = opts;
    // One shared LIMITS object unless the caller overrides some (a copy per connection otherwise).
    this.limits = opts.limits === undefined ? LIMITS : { ...LIMITS, ...opts.limits };
    this.amfLimits = this.limits;
    this.targetChunkSize = opts.outChunkSize ?? 4096;
    this.windowAckSize = opts.windowAckSize ?? 2_500_000;
    this.handshake = new RtmpServerHandshake(opts.handshake);
    this.pendingBytes = opts.pending ?? UNBOUNDED_PENDING_BYTES;
    this.decoder = new ChunkDecoder({ onMessage: (m) => this.onMessage(m), limits: this.limits, pending: this.pendingBytes });
    // Before the peer may publish, a message is a command (a few KiB), never a frame.
    if (opts.pending !== undefined) {
      this.decoder.setMaxMessageLength(Math.min(this.limits.unauthorizedMaxMessageLength, this.limits.rtmpMaxMessageLength));
    }
  }

  /** The peer may publish now: messages up to `rtmpMaxMessageLength` are accepted. */
  authorizeInput(): void {
    this.decoder.setMaxMessageLength(this.limits.rtmpMaxMessageLength);
    this.decoder.allocateFromSlabs();
  }

  get state(): 'handshake' | 'connecting' | 'connected' | 'closed' {
    return this.currentState;
  }

  /** The chunk size of what we send: 128 until connect is accepted, then `outChunkSize`. */
  get outChunkSize(): number {
    return this.chunkSize;
  }

  /** Which handshake the client used, once known. */
  get handshakeKind(): 'plain' | 'digest' | undefined {
    return this.handshake.kind;
  }

  /** Bytes of the chunk stream received so far (after the handshake). */
  get bytesReceived(): number {
    return this.decoder.bytesReceived;
  }

  /** Bytes from the peer, any split. Throws ProtocolError on bad input (the server logs it and closes). */
  feed(bytes: Uint8Array): void {
    if (this.currentState === 'closed') return;
    if (this.currentState === 'handshake') {
      const step = this.handshake.push(bytes);
      for (const out of step.send) this.opts.send(out);
      if (!step.done) return;
      this.currentState = 'connecting';
      bytes = step.rest;
      if (bytes.length === 0) return;
    }
    this.decoder.push(bytes);
    // Once closed (by what was just read), sendMessage drops the acknowledgement.
    this.control.acknowledge(this.decoder.bytesReceived);
  }

  /**
   * Accepts the connect: Window Ack Size, Set Peer Bandwidth, Set Chunk Size (from then on we send
   * with `outChunkSize`), `_result` NetConnection.Connect.Success (fmsVer, capabilities, the
   * client's objectEncoding echoed). Commands the client pipelined before this answer run now, so
   * this may throw the same ProtocolErrors as `feed` (treat them alike: log and close).
   */
  acceptConnect(transactionId: number): void {
    if (this.currentState !== 'connecting') return;
    this.sendMessage(encodeControlMessage({ type: 'window-ack-size', size: this.windowAckSize }));
    this.sendMessage(encodeControlMessage({ type: 'set-peer-bandwidth', size: this.windowAckSize, limitType: 2 }));
    this.sendMessage(encodeControlMessage({ type: 'set-chunk-size', size: this.targetChunkSize }));
    this.chunkSize = this.targetChunkSize;
    const info: Record<string, unknown> = {
      level: 'status',
      code: 'NetConnection.Connect.Success',
      description: 'Connection succeeded.',
    };
    if (this.objectEncoding !== undefined) info.objectEncoding = this.objectEncoding;
    this.sendCommand('_result', transactionId, { fmsVer: FMS_VERSION, capabilities: 31 }, [info]);
    this.currentState = 'connected';
    // Commands the client sent before our answer (e.g. releaseStream/FCPublish/createStream from
    // clients that do not wait) run now, in order.
    const pending = this.pending;
    this.pending = [];
    for (const message of pending) this.pendingBytes.release(message.payload.length);
    for (const message of pending) {
      if (this.currentState !== 'connected') break;
      this.onMessage(message);
    }
  }

  /** `_error` {level error, code, description} then `close`, at the chunk size in effect; the session is closed after. */
  rejectConnect(transactionId: number, description: string, code = 'NetConnection.Connect.Rejected'): void {
    if (this.currentState === 'closed') return;
    // Sent with the chunk size in effect (128 unless Set Chunk Size went out), which FFmpeg reads
    // until told otherwise (AUTH-SPEC §3.2).
    this.sendCommand('_error', transactionId, null, [{ level: 'error', code, description }]);
    this.sendCommand('close', 0, null, []);
    this.close();
  }

  /** Stream Begin + onStatus NetStream.Publish.Start; media of the stream flows as `frame` events from now on. */
  acceptPublish(streamId: number, name: string): void {
    const stream = this.streams.get(streamId);
    if (stream === undefined || this.currentState !== 'connected') return;
    stream.state = 'publishing';
    stream.name = name;
    this.sendStreamBegin(streamId);
    this.sendStatus(streamId, 'status', 'NetStream.Publish.Start', `${name} is now published.`, { details: name });
  }

  /** onStatus level error with `code` (e.g. NetStream.Publish.BadName / .Denied); the stream is idle again. */
  rejectPublish(streamId: number, code: string, description: string): void {
    const stream = this.streams.get(streamId);
    if (stream === undefined || this.currentState !== 'connected') return;
    stream.state = 'idle';
    this.sendStatus(streamId, 'error', code, description);
  }

  /**
   * Stream Begin, Play.Reset (if `reset`), Play.Start. No `|RtmpSampleAccess` or
   * `NetStream.Data.Start` data messages: they only mattered to Flash, and FFmpeg turns each into a
   * data stream it then probes for seconds, delaying a late joiner's first frame.
   */
  startPlay(streamId: number, name: string, opts: { reset: boolean }): void {
    const stream = this.streams.get(streamId);
    if (stream === undefined || this.currentState !== 'connected') return;
    stream.state = 'playing';
    stream.name = name;
    this.sendStreamBegin(streamId);
    if (opts.reset) this.sendStatus(streamId, 'status', 'NetStream.Play.Reset', `Playing and resetting ${name}.`, { details: name });
    this.sendStatus(streamId, 'status', 'NetStream.Play.Start', `Started playing ${name}.`, { details: name });
  }

  /** onStatus level error with `code` (e.g. NetStream.Play.StreamNotFound / .Failed); the stream is idle again. */
  rejectPlay(streamId: number, code: string, description: string): void {
    const stream = this.streams.get(streamId);
    if (stream === undefined || this.currentState !== 'connected') return;
    stream.state = 'idle';
    this.sendStatus(streamId, 'error', code, description);
  }

  /** An onStatus command on message stream `streamId` with {level, code, description, ...extra}. */
  sendStatus(
    streamId: number,
    level: 'status' | 'error' | 'warning',
    code: string,
    description: string,
    extra?: Record<string, unknown>,
  ): void {
    this.sendCommand('onStatus', 0, null, [{ level, code, description, ...extra }], streamId);
  }

  /** User control Stream EOF for `streamId`. */
  sendStreamEof(streamId: number): void {
    this.sendMessage(encodeControlMessage({ type: 'user-control', event: UserControlEvent.streamEof, streamId }));
  }

  /** Marks the session closed: later input is ignored and nothing more is sent. */
  close(): void {
    this.currentState = 'closed';
    for (const message of this.pending) this.pendingBytes.release(message.payload.length);
    this.pending = [];
    this.decoder.clear();
  }

  // ---- incoming -------------------------------------------------------------------------

  private onMessage(message: RtmpMessage): void {
    if (this.currentState === 'closed') return;
    routeRtmpMessage(message, this.routes, this.limits.rtmpMaxMessageLength);
  }

  private onCommandMessage(message: RtmpMessage): void {
    if (this.currentState === 'connecting' && this.connectReceived) {
      checkLimit('RTMP_TOO_MANY_PENDING', 'commands before connect was answered', this.pending.length + 1, MAX_PENDING_COMMANDS);
      this.pendingBytes.hold(message.payload.length);
      this.pending.push(message);
      return;
    }
    const command = decodeCommand(message.typeId, message.payload, this.amfLimits);
    if (this.currentState === 'connecting') {
      if (command.name !== 'connect') {
        throw new ProtocolError('RTMP_OUT_OF_ORDER', `command ${command.name} before connect`);
      }
      this.onConnect(command);
      return;
    }
    this.onCommand(command, message.streamId);
  }

  private onConnect(command: RtmpCommand): void {
    const object = command.commandObject;
    if (object === null || typeof object !== 'object' || Array.isArray(object)) {
      throw new ProtocolError('RTMP_BAD_COMMAND', 'connect without a command object');
    }
    const commandObject = object as Record<string, unknown>;
    const app = typeof commandObject.app === 'string' ? commandObject.app : '';
    this.checkName('app', app);
    const tcUrl = typeof commandObject.tcUrl === 'string' ? commandObject.tcUrl : undefined;
    if (typeof commandObject.objectEncoding === 'number') this.objectEncoding = commandObject.objectEncoding;
    this.connectReceived = true;
    this.opts.onEvent({ type: 'connect', transactionId: command.transactionId, app, tcUrl, commandObject, args: command.args });
  }

  private checkName(what: string, name: string): void {
    const bare = stripQuery(name);
    if (bare.length > this.limits.streamNameMaxLength) {
      throw new ProtocolError(
        'RTMP_NAME_TOO_LONG',
        `${what} name too large: ${bare.length} > limit ${this.limits.streamNameMaxLength}`,
      );
    }
  }

  private onCommand(command: RtmpCommand, messageStreamId: number): void {
    const { name, transactionId: tid, args } = command;
    switch (name) {
      case 'connect':
        throw new ProtocolError('RTMP_OUT_OF_ORDER', 'second connect on one connection');
      case 'releaseStream':
        if (tid !== 0) this.sendCommand('_result', tid, null, [undefined]);
        return;
      case 'FCPublish': {
        const streamName = typeof args[0] === 'string' ? args[0] : '';
        if (tid !== 0) this.sendCommand('_result', tid, null, [undefined]);
        // Deliberately no NetStream.Publish.Start here: that status means "allowed", and the
        // decision is only made at `publish`.
        this.sendCommand('onFCPublish', 0, null, [{ level: 'status', description: streamName }]);
        return;
      }
      case 'FCSubscribe': {
        // Sent by librtmp (rtmpdump) and Flash players before playing a live stream (a CDN
        // pre-subscription). Answered like FCPublish: a plain status, no NetStream.Play.Start —
        // whether the play is allowed is decided at `play`.
        const streamName = typeof args[0] === 'string' ? args[0] : '';
        if (tid !== 0) this.sendCommand('_result', tid, null, [undefined]);
        this.sendCommand('onFCSubscribe', 0, null, [{ level: 'status', description: streamName }]);
        return;
      }
      case 'FCUnsubscribe':
        if (tid !== 0) this.sendCommand('_result', tid, null, [undefined]);
        return;
      case 'createStream': {
        checkLimit('RTMP_TOO_MANY_STREAMS', 'createStream count', this.createdStreams + 1, this.limits.rtmpMaxMessageStreams);
        this.createdStreams += 1;
        const id = this.createdStreams;
        this.streams.set(id, { state: 'idle', name: '' });
        this.sendCommand('_result', tid, null, [id]);
        return;
      }
      case 'publish':
        this.onPublish(command, messageStreamId);
        return;
      case 'play':
        this.onPlay(command, messageStreamId);
        return;
      case 'deleteStream': {
        const id = typeof args[0] === 'number' ? args[0] : messageStreamId;
        this.endStream(id);
        this.streams.delete(id);
        return;
      }
      case 'closeStream':
        this.endStream(messageStreamId);
        return;
      case 'FCUnpublish': {
        const streamName = typeof args[0] === 'string' ? args[0] : '';
        for (const [id, stream] of this.streams) {
          const publishing = stream.state === 'publishing' || stream.state === 'publish-pending';
          if (publishing && (stream.name === streamName || stripQuery(stream.name) === stripQuery(streamName))) {
            this.endStream(id);
          }
        }
        if (tid !== 0) this.sendCommand('_result', tid, null, [undefined]);
        return;
      }
      case 'receiveAudio':
      case 'receiveVideo': {
        const flag = args[0] !== false;
        this.opts.onEvent(
          name === 'receiveAudio'
            ? { type: 'receive-media', streamId: messageStreamId, audio: flag }
            : { type: 'receive-media', streamId: messageStreamId, video: flag },
        );
        return;
      }
      case 'getStreamLength':
        this.sendCommand('_result', tid, null, [0]);
        return;
      case '_result':
      case '_error':
      case 'onStatus':
        // Answers to our own calls: nothing waits for them.
        return;
      default:
        // play2, _checkbw and anything unknown: an error answer, the connection stays usable.
        this.sendCommand('_error', tid, null, [
          { level: 'error', code: 'NetConnection.Call.Failed', description: `Method not found (${name}).` },
        ]);
    }
  }

  private requireIdleStream(streamId: number, what: string): MessageStream {
    const stream = this.streams.get(streamId);
    if (stream === undefined) {
      throw new ProtocolError('RTMP_OUT_OF_ORDER', `${what} on stream ${streamId} that was not created`);
    }
    if (stream.state !== 'idle') {
      throw new ProtocolError('RTMP_OUT_OF_ORDER', `${what} on stream ${streamId} that is ${stream.state}`);
    }
    return stream;
  }

  private onPublish(command: RtmpCommand, streamId: number): void {
    const stream = this.requireIdleStream(streamId, 'publish');
    const name = command.args[0];
    if (typeof name !== 'string') throw new ProtocolError('RTMP_BAD_COMMAND', 'publish without a stream name');
    this.checkName('stream', name);
    const type = command.args[1];
    const publishType = type === 'record' || type === 'append' ? type : 'live';
    stream.state = 'publish-pending';
    stream.name = name;
    this.opts.onEvent({ type: 'publish', streamId, transactionId: command.transactionId, name, publishType });
  }

  private onPlay(command: RtmpCommand, streamId: number): void {
    const stream = this.requireIdleStream(streamId, 'play');
    const [name, start, duration, reset] = command.args;
    if (typeof name !== 'string') throw new ProtocolError('RTMP_BAD_COMMAND', 'play without a stream name');
    this.checkName('stream', name);
    stream.state = 'play-pending';
    stream.name = name;
    this.opts.onEvent({
      type: 'play',
      streamId,
      transactionId: command.transactionId,
      name,
      start: typeof start === 'number' ? start : -2,
      duration: typeof duration === 'number' ? duration : -1,
      reset: typeof reset === 'boolean' ? reset : true,
    });
  }

  private endStream(streamId: number): void {
    const stream = this.streams.get(streamId);
    if (stream === undefined) return;
    const previous = stream.state;
    stream.state = 'idle';
    if (previous === 'publishing' || previous === 'publish-pending') this.opts.onEvent({ type: 'unpublish', streamId });
    else if (previous === 'playing' || previous === 'play-pending') this.opts.onEvent({ type: 'stop-play', streamId });
  }

  private onMedia(message: RtmpMessage): void {
    const isData = message.typeId === MessageType.dataAmf0 || message.typeId === MessageType.dataAmf3;
    const stream = this.streams.get(message.streamId);
    if (stream?.state !== 'publishing') {
      // Media a client sent before our answer to publish is dropped; data messages (e.g. a
      // player's own |RtmpSampleAccess echo) on other streams are harmless.
      if (isData || stream?.state === 'publish-pending') return;
      throw new ProtocolError(
        'RTMP_OUT_OF_ORDER',
        `media message (type ${message.typeId}) on stream ${message.streamId} that is not publishing`,
      );
    }
    let payload = message.payload;
    if (message.typeId === MessageType.dataAmf3 && payload.length > 0 && payload[0] === 0) payload = payload.subarray(1);
    const tagType: FlvTagType = isData ? 18 : (message.typeId as 8 | 9);
    // Empty audio/video messages are keep-alives some encoders send; nothing to decode.
    if (payload.length === 0 && !isData) return;
    // The chunk decoder gives every message a buffer of its own: frames keep views of it.
    const frame = decodeFlvPayload(tagType, message.timestamp, payload, true);
    if (frame !== undefined) this.opts.onEvent({ type: 'frame', streamId: message.streamId, frame });
  }

  // ---- outgoing -------------------------------------------------------------------------

  private sendMessage(message: RtmpMessage): void {
    if (this.currentState === 'closed') return;
    this.opts.send(encodeMessageChunks(message, this.chunkSize));
  }

  private sendCommand(name: string, transactionId: number, commandObject: unknown, args: unknown[], streamId = 0): void {
    this.sendMessage({
      chunkStreamId: streamId === 0 ? COMMAND_CSID : STREAM_DATA_CSID,
      timestamp: 0,
      typeId: MessageType.commandAmf0,
      streamId,
      payload: encodeAmf0(name, transactionId, commandObject, ...args),
    });
  }

  private sendStreamBegin(streamId: number): void {
    this.sendMessage(encodeControlMessage({ type: 'user-control', event: UserControlEvent.streamBegin, streamId }));
  }
}
