import { encodedOnce } from '#ingest/media/encoded-once.js';
import { encodeFlvPayloadParts, type FlvPayloadParts, type FlvTagType } from '#ingest/media/flv-payload.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { ProtocolError } from '../protocol-error.js';

/** Bytes of an FLV tag header (type, size, timestamp, stream id). */
export const FLV_TAG_HEADER_SIZE = 11;
/** Largest tag body the 24-bit DataSize field can describe. */
export const FLV_MAX_TAG_BODY = 0xffffff;

/** Which tracks the FLV header announces (players use the flags to wait for them). */
export interface FlvTracks {
  readonly audio: boolean;
  readonly video: boolean;
}

/**
 * The 9-byte FLV file header (signature, version 1, audio/video flags, header size 9) followed by
 * PreviousTagSize0 = 0 (FLV spec v10.1 §E.2, §E.3): what an HTTP-FLV response starts with.
 */
export function encodeFlvHeader(tracks: FlvTracks = { audio: true, video: true }): Uint8Array {
  const flags = (tracks.audio ? 0x04 : 0) | (tracks.video ? 0x01 : 0);
  return Uint8Array.of(0x46, 0x4c, 0x56, 0x01, flags, 0, 0, 0, 9, 0, 0, 0, 0);
}

/**
 * One FLV tag: 11-byte header, `body`, then the 4-byte PreviousTagSize (11 + body length). The
 * timestamp is integer milliseconds written as 24 bits plus the extended high byte, wrapping at
 * 2^32 like every FLV/RTMP clock. Throws FLV_TAG_TOO_LARGE for bodies over 2^24-1 bytes.
 */
export function encodeFlvTag(tagType: FlvTagType, timestamp: number, body: Uint8Array, prefix?: Uint8Array): Uint8Array {
  // With a prefix, the tag body is prefix + body (written in place, not joined first).
  const size = (prefix?.length ?? 0) + body.length;
  if (size > FLV_MAX_TAG_BODY) {
    throw new ProtocolError('FLV_TAG_TOO_LARGE', `FLV tag body too large: ${size} > limit ${FLV_MAX_TAG_BODY}`);
  }
  const ts = Math.round(timestamp) >>> 0;
  const out = new Uint8Array(FLV_TAG_HEADER_SIZE + size + 4);
  out[0] = tagType;
  out[1] = size >>> 16;
  out[2] = (size >>> 8) & 0xff;
  out[3] = size & 0xff;
  out[4] = (ts >>> 16) & 0xff;
  out[5] = (ts >>> 8) & 0xff;
  out[6] = ts & 0xff;
  out[7] = ts >>> 24; // TimestampExtended: the high byte
  // StreamID (3 bytes) stays 0.
  if (prefix !== undefined) out.set(prefix, FLV_TAG_HEADER_SIZE);
  out.set(body, FLV_TAG_HEADER_SIZE + (prefix?.length ?? 0));
  const prev = FLV_TAG_HEADER_SIZE + size;
  const p = prev;
  out[p] = prev >>> 24;
  out[p + 1] = (prev >>> 16) & 0xff;
  out[p + 2] = (prev >>> 8) & 0xff;
  out[p + 3] = prev & 0xff;
  return out;
}

/** The FLV payload of a frame as header bytes and media bytes; undefined when FLV cannot carry it. */
function flvPayloadParts(frame: MediaFrame): FlvPayloadParts | undefined {
  try {
    return encodeFlvPayloadParts(frame);
  } catch (err) {
    // An mp3 AudioConfig has no FLV form: the MP3 frames describe themselves.
    if (err instanceof ProtocolError && err.code === 'FLV_UNENCODABLE') return undefined;
    throw err;
  }
}

/**
 * The whole tag of an audio or video frame, stamped with the frame's own time on the stream's
 * timeline (negative times as 0): the same bytes for every reader, made once per frame
 * (encodedOnce). Undefined when FLV cannot carry the frame.
 */
export function flvMediaTagOnce(frame: MediaFrame & { kind: 'video' | 'audio' }): Uint8Array | undefined {
  return encodedOnce<Uint8Array | null>(frame, 'flv-tag', (f) => {
    const payload = flvPayloadParts(f);
    return payload === undefined ? null : encodeFlvTag(payload.tagType, Math.max(0, Math.round(frame.dts)), payload.data, payload.head);
  }) ?? undefined;
}

/** Joins parts into one Buffer (the socket would otherwise wrap a Uint8Array per write). */
function join(parts: readonly Uint8Array[], length: number): Buffer {
  if (parts.length === 1) {
    const only = parts[0]!;
    return Buffer.isBuffer(only) ? only : Buffer.from(only.buffer, only.byteOffset, only.byteLength);
  }
  return Buffer.concat(parts, length);
}

/** An Opus frame, which only a reader that announced Enhanced FLV Opus is sent. */
function isOpus(frame: MediaFrame): boolean {
  return (frame.kind === 'audio' || frame.kind === 'audio-config') && frame.codec === 'opus';
}

/** What a shared batch encodes to: its bytes, the time after them, and whether Opus was left out. */
interface SharedBatchOut {
  readonly bytes: Buffer;
  readonly end: number;
  readonly omittedOpus: boolean;
}

/**
 * The FLV bytes of hub batches that many readers receive alike (the stream's batch of a tick,
 * handed as the same array to every reader in step): joined once per batch, then shared by
 * identity, one comparison per reader. Config and metadata tags in a batch take the time of the
 * media before them, so the cache also holds the time the batch started from (the same for all
 * readers in step: they have all been sent the same frames). Readers that do not read Opus share
 * one made with `opus` false (Opus frames left out).
 */
export class SharedFlvBatches {
  private batch: readonly MediaFrame[] | undefined;
  private start = 0;
  private out: SharedBatchOut = { bytes: Buffer.alloc(0), end: 0, omittedOpus: false };

  constructor(readonly opus = true) {}

  /** The bytes of `frames` for a reader whose last tag was at `start` ms, and the time after them. */
  encode(frames: readonly MediaFrame[], start: number): SharedBatchOut {
    if (frames !== this.batch || start !== this.start) {
      const parts: Uint8Array[] = [];
      let length = 0;
      let at = start;
      let omittedOpus = false;
      for (const f of frames) {
        if (!this.opus && isOpus(f)) {
          omittedOpus = true;
          continue;
        }
        const tag = flvTag(f, at);
        if (tag === undefined) continue;
        if (f.kind === 'video' || f.kind === 'audio') at = Math.max(0, Math.round(f.dts));
        parts.push(tag);
        length += tag.byteLength;
      }
      this.batch = frames;
      this.start = start;
      this.out = { bytes: length === 0 ? Buffer.alloc(0) : join(parts, length), end: at, omittedOpus };
    }
    return this.out;
  }
}

/** A frame's tag: media stamped with its own time (shared), configs and metadata at `at`. */
function flvTag(frame: MediaFrame, at: number): Uint8Array | undefined {
  if (frame.kind === 'video' || frame.kind === 'audio') return flvMediaTagOnce(frame);
  const payload = flvPayloadParts(frame);
  return payload === undefined ? undefined : encodeFlvTag(payload.tagType, at, payload.data, payload.head);
}

/**
 * FLV writer for one HTTP-FLV reader, sans-I/O: the file header first, then one tag per frame
 * (none for a frame FLV cannot carry). Tags are on the stream's timeline (the publisher's time, as
 * RTMP players get it), so a reader's tags are byte for byte every other reader's: whole tags of
 * audio and video are made once per frame, and a batch shared by the readers in step is joined
 * once for all of them (SharedFlvBatches). Config and metadata frames take the time of the last
 * audio or video tag written (0 before the first). With `opus` false (a reader that did not
 * announce Enhanced FLV Opus) Opus frames are left out and `omittedAudio` says so; when the first
 * batch left Opus out and had no other audio, the header announces video only.
 */
export class FlvMuxer {
  private started = false;
  private last = 0;
  /** An audio codec this reader was not sent ('opus'), once one was left out. */
  omittedAudio: 'opus' | undefined;

  constructor(
    private readonly tracks: FlvTracks = { audio: true, video: true },
    readonly opus = true,
  ) {}

  /** The bytes for `frame`; see the class comment. */
  push(frame: MediaFrame): Uint8Array {
    return this.batch([frame]);
  }

  /**
   * The bytes for a batch of frames as one Buffer (possibly empty). With `shared` (the batch is
   * the stream's batch of this tick, see ReaderSink.write) every reader past its header gets the
   * very same Buffer.
   */
  batch(frames: readonly MediaFrame[], shared?: SharedFlvBatches): Buffer {
    if (shared !== undefined && this.started && shared.opus === this.opus) {
      const out = shared.encode(frames, this.last);
      this.last = out.end;
      if (out.omittedOpus) this.omittedAudio = 'opus';
      return out.bytes;
    }
    const parts: Uint8Array[] = [];
    let length = 0;
    let audio = false;
    for (const f of frames) {
      if (!this.opus && isOpus(f)) {
        this.omittedAudio = 'opus';
        continue;
      }
      const tag = flvTag(f, this.last);
      if (tag === undefined) continue;
      if (f.kind === 'video' || f.kind === 'audio') this.last = Math.max(0, Math.round(f.dts));
      if (f.kind === 'audio' || f.kind === 'audio-config') audio = true;
      parts.push(tag);
      length += tag.byteLength;
    }
    if (!this.started && length > 0) {
      this.started = true;
      // A player waits for every track the header announces: not for an audio track it will never get.
      const header = encodeFlvHeader(this.omittedAudio !== undefined && !audio ? { ...this.tracks, audio: false } : this.tracks);
      parts.unshift(header);
      length += header.byteLength;
    }
    return length === 0 ? Buffer.alloc(0) : join(parts, length);
  }
}
