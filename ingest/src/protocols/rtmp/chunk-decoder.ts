import { ByteSlab } from '#ingest/media/byte-slab.js';
import { LIMITS } from '../limits.js';
import { UNBOUNDED_PENDING_BYTES, type PendingBytesAccount } from '../pending-bytes-budget.js';
import { ProtocolError, checkLimit } from '../protocol-error.js';
import { MessageType, type RtmpMessage } from './rtmp-message.js';

/** Limits the chunk decoder enforces. */
export type ChunkDecoderLimits = Record<'rtmpMaxChunkSize' | 'rtmpMaxMessageLength' | 'rtmpMaxChunkStreams', number>;

/** Options of a ChunkDecoder. */
export interface ChunkDecoderOptions {
  /** Called with each complete message, in order, synchronously from `push`. */
  onMessage(message: RtmpMessage): void;
  limits?: Partial<ChunkDecoderLimits>;
  /**
   * Where the buffers of half-received messages (all chunk streams together) are counted before
   * they are allocated; its refusal is thrown from `push`. Default: not counted.
   */
  pending?: PendingBytesAccount;
}

interface ChunkStreamState {
  timestamp: number;
  /** The last timestamp field (absolute for type 0, delta otherwise): what a type-3 header reuses. */
  timestampField: number;
  /** Whether the last header carried an extended timestamp, and its value. */
  extended: boolean;
  length: number;
  typeId: number;
  streamId: number;
  payload: Buffer | undefined;
  received: number;
}

const DEFAULT_CHUNK_SIZE = 128;
const NO_BYTES = Buffer.alloc(0);

/**
 * Reassembles RTMP messages from a chunk stream (RTMP spec §5.3), sans-I/O: `push` any split of the
 * input; complete messages go to `onMessage`. Handles all four chunk header types, 2- and 3-byte
 * basic headers, extended timestamps (also on type-3 chunks when the peer repeats them, as
 * librtmp and FFmpeg do, detected by value), Set Chunk Size and Abort. Every length is checked
 * against the limits before allocation.
 */
export class ChunkDecoder {
  private readonly onMessage: (message: RtmpMessage) => void;
  /** The limits as fields of their own (no copy of a limits object per connection). */
  private readonly maxChunkSize: number;
  private maxMessageLength: number;
  private readonly maxChunkStreams: number;
  private readonly pending: PendingBytesAccount;
  private readonly streams = new Map<number, ChunkStreamState>();
  private leftover: Buffer = NO_BYTES;
  /** The chunk being read: its stream's state (undefined between chunks), id and bytes still to come. */
  private current: ChunkStreamState | undefined;
  private currentCsid = 0;
  private chunkRemaining = 0;
  private inChunkSize = DEFAULT_CHUNK_SIZE;
  private cleared = false;
  /** Room a growing message buffer may take ahead of its chunk in this push (see reserve). */
  private readAllowance = 0;
  /** Where message buffers come from once input is authorized (see allocateFromSlabs). */
  private slab: ByteSlab | undefined;
  /** Bytes pushed so far (for acknowledgements). */
  bytesReceived = 0;

  constructor(opts: ChunkDecoderOptions) {
    this.onMessage = opts.onMessage;
    this.maxChunkSize = opts.limits?.rtmpMaxChunkSize ?? LIMITS.rtmpMaxChunkSize;
    this.maxMessageLength = opts.limits?.rtmpMaxMessageLength ?? LIMITS.rtmpMaxMessageLength;
    this.maxChunkStreams = opts.limits?.rtmpMaxChunkStreams ?? LIMITS.rtmpMaxChunkStreams;
    this.pending = opts.pending ?? UNBOUNDED_PENDING_BYTES;
  }

  /**
   * Changes the longest message accepted from the next message header on (the server keeps it
   * small until the peer is authorized to publish).
   */
  setMaxMessageLength(length: number): void {
    this.maxMessageLength = length;
  }

  /**
   * From now on message buffers are carved from slabs of this decoder's own (an authorized
   * publisher's media: one allocation per few frames instead of one per frame), and a slab is
   * reused once nothing holds its bytes (see ByteSlab): `onMessage` may use a message's payload
   * during the call; whoever keeps it longer copies it or counts itself with `ByteSlab.hold`.
   * Before, each is allocated alone, so an unauthorized peer holds no more than its messages' bytes.
   */
  allocateFromSlabs(): void {
    this.slab ??= new ByteSlab();
  }

  /** Drops every half-received message and ignores later input (the connection is closing). */
  clear(): void {
    this.cleared = true;
    for (const state of this.streams.values()) this.dropPayload(state);
    this.streams.clear();
    this.current = undefined;
    this.leftover = NO_BYTES;
    this.slab?.close();
  }

  /** Bytes of message buffers held for messages not complete yet. */
  get pendingBytes(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.payload?.length ?? 0;
    return n;
  }

  /** The peer's chunk size (128 until it sends Set Chunk Size). */
  get chunkSize(): number {
    return this.inChunkSize;
  }

  push(bytes: Uint8Array): void {
    if (this.cleared) return;
    this.bytesReceived += bytes.byteLength;
    this.readAllowance = bytes.byteLength;
    const buf = this.leftover.length > 0 ? Buffer.concat([this.leftover, bytes]) : toBuffer(bytes);
    this.leftover = NO_BYTES;
    let pos = 0;
    for (;;) {
      if (this.cleared) return;
      const state = this.current;
      if (state === undefined) {
        const used = this.readHeader(buf, pos);
        if (used === 0) {
          if (pos < buf.length) this.leftover = Buffer.from(buf.subarray(pos));
          return;
        }
        pos += used;
        const started = this.current as ChunkStreamState | undefined;
        if (started !== undefined && started.length === 0) {
          this.current = undefined;
          this.complete(this.currentCsid, started);
        }
        continue;
      }
      const n = Math.min(this.chunkRemaining, buf.length - pos);
      if (n > 0) {
        const payload = this.reserve(state, state.received + n, buf.length - pos - n);
        buf.copy(payload, state.received, pos, pos + n);
        pos += n;
        state.received += n;
        this.chunkRemaining -= n;
      }
      if (this.chunkRemaining > 0) return;
      this.current = undefined;
      if (state.received === state.length) this.complete(this.currentCsid, state);
    }
  }

  /** Parses one chunk header at `pos`; returns its size, or 0 when more bytes are needed. */
  private readHeader(buf: Buffer, pos: number): number {
    const available = buf.length - pos;
    if (available < 1) return 0;
    const first = buf[pos];
    const fmt = first >> 6;
    let csid = first & 0x3f;
    let p = pos + 1;
    if (csid === 0) {
      if (available < 2) return 0;
      csid = 64 + buf[p];
      p += 1;
    } else if (csid === 1) {
      if (available < 3) return 0;
      csid = 64 + buf[p] + buf[p + 1] * 256;
      p += 2;
    }
    const fieldBytes = fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0;
    if (buf.length - p < fieldBytes) return 0;

    let state = this.streams.get(csid);
    if (state === undefined) {
      if (fmt !== 0) {
        throw new ProtocolError(
          'RTMP_UNKNOWN_CHUNK_STREAM',
          `chunk header type ${fmt} on chunk stream ${csid} that never had a type-0 header`,
        );
      }
      checkLimit('RTMP_TOO_MANY_CHUNK_STREAMS', 'chunk stream count', this.streams.size + 1, this.maxChunkStreams);
    }

    if (fmt === 3) {
      const s = state as ChunkStreamState;
      let extendedBytes = 0;
      if (s.extended) {
        // The extended timestamp may or may not be repeated on type-3 chunks (spec §5.3.1.3 says
        // yes; some encoders omit it): it is there when the next 4 bytes equal the last value.
        if (buf.length - p < 4) return 0;
        if (buf.readUInt32BE(p) === s.timestampField) extendedBytes = 4;
      }
      p += extendedBytes;
      if (s.received === 0 || s.received === s.length) this.startMessage(s, (s.timestamp + s.timestampField) >>> 0);
      this.startChunk(csid, s, Math.min(this.inChunkSize, s.length - s.received));
      return p - pos;
    }

    let field = buf.readUIntBE(p, 3);
    const extended = field === 0xffffff;
    if (extended) {
      if (buf.length - p - fieldBytes < 4) return 0;
      field = buf.readUInt32BE(p + fieldBytes);
    }
    let length = state?.length ?? 0;
    let typeId = state?.typeId ?? 0;
    let streamId = state?.streamId ?? 0;
    if (fmt <= 1) {
      length = buf.readUIntBE(p + 3, 3);
      typeId = buf[p + 6];
      checkLimit('RTMP_MESSAGE_TOO_LONG', 'RTMP message length', length, this.maxMessageLength);
    }
    if (fmt === 0) streamId = buf.readUInt32LE(p + 7);
    p += fieldBytes + (extended ? 4 : 0);

    if (state === undefined) {
      state = { timestamp: 0, timestampField: 0, extended: false, length, typeId, streamId, payload: undefined, received: 0 };
      this.streams.set(csid, state);
    }
    // A new header while a message is half received replaces it (what FFmpeg does too).
    state.length = length;
    state.typeId = typeId;
    state.streamId = streamId;
    state.timestampField = field;
    state.extended = extended;
    this.startMessage(state, fmt === 0 ? field : (state.timestamp + field) >>> 0);
    this.startChunk(csid, state, Math.min(this.inChunkSize, length));
    return p - pos;
  }

  private startChunk(csid: number, state: ChunkStreamState, chunkRemaining: number): void {
    this.current = state;
    this.currentCsid = csid;
    this.chunkRemaining = chunkRemaining;
  }

  private startMessage(state: ChunkStreamState, timestamp: number): void {
    state.timestamp = timestamp;
    this.dropPayload(state);
  }

  /** Forgets an abandoned message buffer and gives its bytes back to the account (and its slab). */
  private dropPayload(state: ChunkStreamState): void {
    const payload = this.detachPayload(state);
    if (payload !== undefined) this.slab?.giveBack(payload);
  }

  /** Takes the message buffer off its chunk stream (no longer counted as pending) and returns it. */
  private detachPayload(state: ChunkStreamState): Buffer | undefined {
    const payload = state.payload;
    if (payload !== undefined) this.pending.release(payload.length);
    state.payload = undefined;
    state.received = 0;
    return payload;
  }

  /**
   * The message buffer of `state` with room for `needed` bytes. It grows with the bytes that
   * actually arrived (doubling, capped at the message length) rather than being allocated at the
   * announced length, so headers alone (64 chunk streams × 8 MiB announced) cannot make us
   * allocate; and every growth is counted first, so the sum over all chunk streams is bounded.
   * A growth also takes room for up to `ahead` more bytes (what this read holds past the chunk,
   * likely the message's next chunks), from an allowance of one read's size per push shared by
   * all chunk streams: a message that came in one read is allocated once instead of doubling
   * through copies, and the sum of allocations still grows only with bytes that arrived.
   */
  private reserve(state: ChunkStreamState, needed: number, ahead: number): Buffer {
    const current = state.payload;
    if (current !== undefined && current.length >= needed) return current;
    const extra = Math.min(ahead, this.readAllowance, state.length - needed);
    this.readAllowance -= extra;
    const size = Math.min(state.length, Math.max(needed + extra, 2 * (current?.length ?? 0), 4096));
    this.pending.resize(current?.length ?? 0, size);
    const next = this.slab !== undefined ? this.slab.take(size) : Buffer.allocUnsafe(size);
    if (current !== undefined) {
      current.copy(next, 0, 0, state.received);
      this.slab?.giveBack(current);
    }
    state.payload = next;
    return next;
  }

  private complete(csid: number, state: ChunkStreamState): void {
    const whole = this.detachPayload(state);
    const payload = whole === undefined ? NO_BYTES : whole.length === state.length ? whole : whole.subarray(0, state.length);
    const message: RtmpMessage = {
      chunkStreamId: csid,
      timestamp: state.timestamp,
      typeId: state.typeId,
      streamId: state.streamId,
      payload,
    };
    try {
      if (message.typeId === MessageType.setChunkSize) this.setChunkSize(payload);
      else if (message.typeId === MessageType.abort) this.abort(payload);
      this.onMessage(message);
    } finally {
      // Whoever keeps the message's bytes past onMessage holds its slab (ByteSlab.hold) or copied them.
      if (whole !== undefined) this.slab?.giveBack(whole);
    }
  }

  private setChunkSize(payload: Buffer): void {
    if (payload.length < 4) throw new ProtocolError('RTMP_BAD_CONTROL', `Set Chunk Size payload of ${payload.length} bytes`);
    const size = payload.readUInt32BE(0);
    if (size === 0 || size & 0x80000000) throw new ProtocolError('RTMP_BAD_CHUNK_SIZE', `invalid chunk size ${size}`);
    checkLimit('RTMP_CHUNK_SIZE_TOO_LARGE', 'chunk size', size, this.maxChunkSize);
    this.inChunkSize = size;
  }

  private abort(payload: Buffer): void {
    if (payload.length < 4) throw new ProtocolError('RTMP_BAD_CONTROL', `Abort payload of ${payload.length} bytes`);
    const state = this.streams.get(payload.readUInt32BE(0));
    if (state !== undefined) this.dropPayload(state);
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

