import { LIMITS } from '../limits.js';
import { ProtocolError, checkLimit } from '../protocol-error.js';
import { decodeFlvHeader, type FlvHeader } from './flv-header.js';
import { concatBytes } from '#ingest/media/concat-bytes.js';

/** FLV tag types (Adobe FLV spec §E.4.1): 8 audio, 9 video, 18 script data. */
export type FlvTagType = 8 | 9 | 18;

/** One FLV tag as it was on the wire; the body is decoded by `media/flv-payload.ts`. */
export interface FlvTag {
  readonly tagType: FlvTagType;
  /** Milliseconds: 24-bit Timestamp with TimestampExtended as the upper 8 bits. */
  readonly timestamp: number;
  readonly body: Uint8Array;
}

/** Options of {@link FlvDemuxer}. */
export interface FlvDemuxerOptions {
  /** Largest tag body accepted, default LIMITS.flvMaxTagSize. */
  readonly maxTagSize?: number;
}

/**
 * Push parser for a raw FLV byte stream (crtmpserver inboundLiveFlv, `ffmpeg -f flv tcp://…`):
 * header, PreviousTagSize fields, tags. Keeps partial input between calls. A tag bigger than the
 * limit raises `FLV_FRAME_TOO_LARGE`, non-FLV bytes `FLV_BAD_HEADER`, an unknown tag type
 * `FLV_BAD_TAG_TYPE`.
 */
export class FlvDemuxer {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** Bytes needed before parsing can progress; large tags arrive in many pieces, joined once. */
  private need = 1;
  private headerValue: FlvHeader | undefined;
  private skip = 0;
  private readonly maxTagSize: number;

  constructor(options: FlvDemuxerOptions = {}) {
    this.maxTagSize = options.maxTagSize ?? LIMITS.flvMaxTagSize;
  }

  /** The FLV header once it has been read. */
  get header(): FlvHeader | undefined {
    return this.headerValue;
  }

  /** Bytes received but not consumed yet. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Consumes `bytes`, returning every tag completed by them. */
  push(bytes: Uint8Array): FlvTag[] {
    const tags: FlvTag[] = [];
    if (bytes.length === 0) return tags;
    this.chunks.push(bytes);
    this.buffered += bytes.length;
    if (this.buffered < this.need) return tags;
    const buf = this.chunks.length === 1 ? this.chunks[0] : concatBytes(this.chunks, this.buffered);
    let o = 0;
    if (this.headerValue === undefined) {
      const header = decodeFlvHeader(buf);
      if (header === undefined) {
        this.keep(buf, 0, buf.length + 1);
        return tags;
      }
      this.headerValue = header;
      // skip the rest of the header plus PreviousTagSize0
      this.skip = header.headerSize + 4;
    }
    const skipped = Math.min(this.skip, buf.length);
    o += skipped;
    this.skip -= skipped;
    let need = 11;
    while (this.skip === 0 && buf.length - o >= 11) {
      const type = buf[o] & 0x1f;
      if (type !== 8 && type !== 9 && type !== 18) throw new ProtocolError('FLV_BAD_TAG_TYPE', `unknown FLV tag type ${buf[o]}`);
      if (buf[o] & 0x20) throw new ProtocolError('FLV_ENCRYPTED', 'encrypted FLV tags are not supported');
      const size = (buf[o + 1] << 16) | (buf[o + 2] << 8) | buf[o + 3];
      checkLimit('FLV_FRAME_TOO_LARGE', 'Frame', size, this.maxTagSize);
      if (buf.length - o < 11 + size + 4) {
        need = 11 + size + 4;
        break;
      }
      const timestamp = ((buf[o + 7] << 24) | (buf[o + 4] << 16) | (buf[o + 5] << 8) | buf[o + 6]) >>> 0;
      tags.push({ tagType: type, timestamp, body: buf.slice(o + 11, o + 11 + size) });
      // PreviousTagSize is not checked: encoders disagree on it and it carries nothing we need
      o += 11 + size + 4;
    }
    this.keep(buf, o, need);
    return tags;
  }

  private keep(buf: Uint8Array, from: number, need: number): void {
    // copy the leftover so the caller's buffer can be reused
    this.chunks = from >= buf.length ? [] : [buf.slice(from)];
    this.buffered = buf.length - from;
    this.need = need;
  }
}

/**
 * Encodes one tag with its trailing PreviousTagSize (stream id 0), the inverse of
 * {@link FlvDemuxer.push} for one tag.
 */
export function encodeFlvTag(tag: FlvTag): Uint8Array {
  const size = tag.body.length;
  const out = new Uint8Array(11 + size + 4);
  const ts = tag.timestamp >>> 0;
  out.set([tag.tagType, size >> 16, (size >> 8) & 0xff, size & 0xff, (ts >> 16) & 0xff, (ts >> 8) & 0xff, ts & 0xff, ts >>> 24, 0, 0, 0]);
  out.set(tag.body, 11);
  new DataView(out.buffer).setUint32(11 + size, 11 + size);
  return out;
}
