import { encodeFlvPayload } from '#ingest/media/flv-payload.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { encodeAmf0 } from '#ingest/protocols/amf/amf0-encoder.js';
import { ChunkDecoder } from '#ingest/protocols/rtmp/chunk-decoder.js';
import { encodeMessageChunks } from '#ingest/protocols/rtmp/chunk-encoder.js';
import { decodeAmfMessageValues, decodeCommand } from '#ingest/protocols/rtmp/command-message.js';
import { type ControlMessage, decodeControlMessage, encodeControlMessage } from '#ingest/protocols/rtmp/control-message.js';
import { HANDSHAKE_PACKET_SIZE } from '#ingest/protocols/rtmp/rtmp-handshake.js';
import type { RtmpMessage } from '#ingest/protocols/rtmp/rtmp-message.js';
import {
  RtmpServerSession,
  type RtmpServerSessionOptions,
  type RtmpSessionEvent,
} from '#ingest/protocols/rtmp/rtmp-server-session.js';

/** What the session wrote, decoded: a command's name and status code, data values, control. */
export type Out =
  | { kind: 'command'; name: string; transactionId: number; streamId: number; commandObject: unknown; args: unknown[]; code?: string }
  | { kind: 'data'; streamId: number; values: unknown[] }
  | { kind: 'control'; control: ControlMessage }
  | { kind: 'other'; message: RtmpMessage };

/**
 * Drives an RtmpServerSession in memory (no sockets): feeds a plain handshake and chunked
 * messages, decodes everything it writes, records its events.
 */
export class SessionHarness {
  readonly events: RtmpSessionEvent[] = [];
  readonly out: Out[] = [];
  /** Chunk sizes of the chunks the session wrote (first byte after each chunk is not tracked). */
  readonly session: RtmpServerSession;
  private handshakeBytes = 0;
  private readonly outDecoder = new ChunkDecoder({ onMessage: (m) => this.onOut(m) });
  private chunkSize = 128;
  rawOut: Buffer[] = [];

  constructor(
    decide: (event: RtmpSessionEvent, session: RtmpServerSession) => void = () => undefined,
    opts: Partial<RtmpServerSessionOptions> = {},
  ) {
    this.session = new RtmpServerSession({
      send: (data) => this.onSend(data),
      onEvent: (event) => {
        this.events.push(event);
        decide(event, this.session);
      },
      ...opts,
    });
  }

  private onSend(data: Uint8Array): void {
    let bytes = Buffer.from(data);
    if (this.handshakeBytes < 1 + 2 * HANDSHAKE_PACKET_SIZE) {
      const take = Math.min(bytes.length, 1 + 2 * HANDSHAKE_PACKET_SIZE - this.handshakeBytes);
      this.handshakeBytes += take;
      bytes = bytes.subarray(take);
    }
    if (bytes.length > 0) {
      this.rawOut.push(bytes);
      this.outDecoder.push(bytes);
    }
  }

  private onOut(message: RtmpMessage): void {
    const { typeId, payload, streamId } = message;
    if (typeId === 20 || typeId === 17) {
      const c = decodeCommand(typeId, payload);
      const info = c.args.find((a) => a !== null && typeof a === 'object') as { code?: string } | undefined;
      this.out.push({ kind: 'command', ...c, streamId, code: info?.code });
    } else if (typeId === 18) {
      this.out.push({ kind: 'data', streamId, values: decodeAmfMessageValues(typeId, payload) });
    } else {
      const control = decodeControlMessage(typeId, payload);
      this.out.push(control ? { kind: 'control', control } : { kind: 'other', message });
    }
  }

  /** The bytes of a plain C0+C1+C2. */
  static handshakeBytes(): Buffer {
    return Buffer.concat([Buffer.from([3]), Buffer.alloc(HANDSHAKE_PACKET_SIZE), Buffer.alloc(HANDSHAKE_PACKET_SIZE)]);
  }

  /** The chunk bytes of `messages` at the harness's chunk size (a Set Chunk Size changes it). */
  bytesOf(messages: RtmpMessage[]): Buffer {
    const parts: Buffer[] = [];
    for (const m of messages) {
      parts.push(encodeMessageChunks(m, this.chunkSize));
      if (m.typeId === 1) this.chunkSize = Buffer.from(m.payload).readUInt32BE(0);
    }
    return Buffer.concat(parts);
  }

  feed(bytes: Uint8Array): void {
    this.session.feed(bytes);
  }

  handshake(): this {
    this.feed(SessionHarness.handshakeBytes());
    return this;
  }

  send(...messages: RtmpMessage[]): this {
    this.feed(this.bytesOf(messages));
    return this;
  }

  command(name: string, transactionId: number, commandObject: unknown, args: unknown[] = [], streamId = 0): this {
    return this.send(commandMessage(name, transactionId, commandObject, args, streamId));
  }

  frame(frame: MediaFrame, streamId = 1, timestamp = 'dts' in frame ? frame.dts : 0): this {
    const tag = encodeFlvPayload(frame);
    return this.send({ chunkStreamId: 6, timestamp, typeId: tag.tagType, streamId, payload: tag.body });
  }

  connect(app = 'live'): this {
    return this.command('connect', 1, { app, tcUrl: `rtmp://localhost/${app}`, objectEncoding: 0 });
  }

  /** Output commands only, as "name code" strings. */
  commands(): string[] {
    return this.out.flatMap((o) => (o.kind === 'command' ? [`${o.name}${o.code ? ` ${o.code}` : ''}`] : []));
  }

  /** Output as short strings, in order: commands, data, control. */
  summary(): string[] {
    return this.out.map((o) => {
      if (o.kind === 'command') return `${o.name}${o.code ? ` ${o.code}` : ''}`;
      if (o.kind === 'data') return `data ${String(o.values[0])}${(o.values[1] as { code?: string } | undefined)?.code ? ` ${(o.values[1] as { code: string }).code}` : ''}`;
      if (o.kind === 'control') {
        const c = o.control;
        return c.type === 'user-control' ? `user-control ${c.event}` : c.type;
      }
      return `type ${o.message.typeId}`;
    });
  }

  clearOut(): this {
    this.out.length = 0;
    return this;
  }
}

export function commandMessage(name: string, transactionId: number, commandObject: unknown, args: unknown[] = [], streamId = 0): RtmpMessage {
  return {
    chunkStreamId: streamId === 0 ? 3 : 8,
    timestamp: 0,
    typeId: 20,
    streamId,
    payload: encodeAmf0(name, transactionId, commandObject, ...args),
  };
}

export { encodeControlMessage };
