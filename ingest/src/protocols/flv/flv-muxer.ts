import { encodedOnce } from '../../media/encoded-once.js';
import { encodeFlvPayload, type FlvTagType } from '../../media/flv-payload.js';
import type { MediaFrame } from '../../media/media-frame.js';
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
export function encodeFlvTag(tagType: FlvTagType, timestamp: number, body: Uint8Array): Uint8Array {
  if (body.length > FLV_MAX_TAG_BODY) {
    throw new ProtocolError('FLV_TAG_TOO_LARGE', `FLV tag body too large: ${body.length} > limit ${FLV_MAX_TAG_BODY}`);
  }
  const ts = Math.round(timestamp) >>> 0;
  const size = body.length;
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
  out.set(body, FLV_TAG_HEADER_SIZE);
  const prev = FLV_TAG_HEADER_SIZE + size;
  const p = prev;
  out[p] = prev >>> 24;
  out[p + 1] = (prev >>> 16) & 0xff;
  out[p + 2] = (prev >>> 8) & 0xff;
  out[p + 3] = prev & 0xff;
  return out;
}

type Payload = { tagType: FlvTagType; body: Uint8Array } | undefined;

/** The FLV payload of a frame, computed once for all readers; undefined when FLV cannot carry it. */
function flvPayloadOnce(frame: MediaFrame): Payload {
  return encodedOnce<Payload>(frame, 'flv', (f) => {
    try {
      return encodeFlvPayload(f);
    } catch (err) {
      // An mp3 AudioConfig has no FLV form: the MP3 frames describe themselves.
      if (err instanceof ProtocolError && err.code === 'FLV_UNENCODABLE') return undefined;
      throw err;
    }
  });
}

/**
 * FLV writer for one HTTP-FLV reader, sans-I/O: `push(frame)` returns the bytes to send for that
 * frame (the file header first, then one tag) or an empty array when the frame has no FLV form.
 * Tag bodies are produced once per frame for every reader (encodedOnce); only the 15 bytes of
 * framing are per reader. Timestamps start at 0 at the reader's first audio or video frame (a
 * reader joining from the GOP cache starts a fresh timeline); config and metadata frames take the
 * timestamp of the last frame written.
 */
export class FlvMuxer {
  private started = false;
  private base: number | undefined;
  private last = 0;

  constructor(private readonly tracks: FlvTracks = { audio: true, video: true }) {}

  /** The bytes for `frame`; see the class comment. */
  push(frame: MediaFrame): Uint8Array {
    const payload = flvPayloadOnce(frame);
    if (payload === undefined) return new Uint8Array(0);
    if (frame.kind === 'video' || frame.kind === 'audio') {
      this.base ??= frame.dts;
      // Never negative: a frame interleaved just before the reader's first one is stamped 0.
      this.last = Math.max(0, Math.round(frame.dts - this.base));
    }
    const tag = encodeFlvTag(payload.tagType, this.last, payload.body);
    if (this.started) return tag;
    this.started = true;
    const header = encodeFlvHeader(this.tracks);
    const out = new Uint8Array(header.length + tag.length);
    out.set(header, 0);
    out.set(tag, header.length);
    return out;
  }
}
