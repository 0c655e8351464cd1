import { LIMITS } from '../limits.js';
import { ProtocolError, checkLimit } from '../protocol-error.js';

/** An RTP packet (RFC 3550 §5.1). */
export interface RtpPacket {
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs: readonly number[];
  /** Header extension (§5.3.1): profile-defined 16 bits and data (a multiple of 4 bytes). */
  readonly extension?: { readonly profile: number; readonly data: Uint8Array };
  readonly payload: Uint8Array;
  /** Padding bytes after the payload (including the count byte); 0 when none. */
  readonly padding: number;
}

/**
 * Parses one RTP packet. Every length (CSRC count, extension length, padding count) is checked
 * against the bytes present: `RTP_TRUNCATED`, `RTP_BAD_VERSION`, `RTP_BAD_PADDING`,
 * `RTP_PACKET_TOO_LARGE`.
 */
export function parseRtpPacket(bytes: Uint8Array, maxSize: number = LIMITS.rtpMaxPacketSize): RtpPacket {
  checkLimit('RTP_PACKET_TOO_LARGE', 'RTP packet', bytes.length, maxSize);
  if (bytes.length < 12) throw new ProtocolError('RTP_TRUNCATED', `RTP packet of ${bytes.length} bytes < 12-byte header`);
  if (bytes[0] >> 6 !== 2) throw new ProtocolError('RTP_BAD_VERSION', `RTP version ${bytes[0] >> 6} != 2`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const cc = bytes[0] & 0x0f;
  let o = 12 + cc * 4;
  if (o > bytes.length) throw new ProtocolError('RTP_TRUNCATED', `${cc} CSRCs past the end of a ${bytes.length}-byte packet`);
  const csrcs: number[] = [];
  for (let i = 0; i < cc; i++) csrcs.push(view.getUint32(12 + i * 4));
  let extension: RtpPacket['extension'];
  if (bytes[0] & 0x10) {
    if (o + 4 > bytes.length) throw new ProtocolError('RTP_TRUNCATED', 'RTP extension header past the end');
    const length = view.getUint16(o + 2) * 4;
    if (o + 4 + length > bytes.length) throw new ProtocolError('RTP_TRUNCATED', `RTP extension length ${length} past the end of a ${bytes.length}-byte packet`);
    extension = { profile: view.getUint16(o), data: bytes.slice(o + 4, o + 4 + length) };
    o += 4 + length;
  }
  let end = bytes.length;
  let padding = 0;
  if (bytes[0] & 0x20) {
    padding = bytes[bytes.length - 1];
    if (padding === 0 || padding > end - o) throw new ProtocolError('RTP_BAD_PADDING', `RTP padding ${padding} does not fit ${end - o} payload bytes`);
    end -= padding;
  }
  const packet = {
    marker: (bytes[1] & 0x80) !== 0,
    payloadType: bytes[1] & 0x7f,
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    csrcs,
    payload: bytes.slice(o, end),
    padding,
  };
  return extension ? { ...packet, extension } : packet;
}

/** What serializeRtpPacket writes: an RtpPacket whose padding and CSRCs may be left out (none). */
export type RtpPacketFields = Omit<RtpPacket, 'padding' | 'csrcs'> & { readonly padding?: number; readonly csrcs?: readonly number[] };

/** The bytes serializeRtpPacket makes of `p`. */
export function rtpPacketSize(p: RtpPacketFields): number {
  return 12 + (p.csrcs?.length ?? 0) * 4 + (p.extension ? 4 + p.extension.data.length : 0) + p.payload.length + (p.padding ?? 0);
}

/** Serializes an RTP packet (padding bytes are zeros ending in the count). */
export function serializeRtpPacket(p: RtpPacketFields): Uint8Array {
  const out = new Uint8Array(rtpPacketSize(p));
  writeRtpPacket(p, out, 0);
  return out;
}

/**
 * Writes `p` as serializeRtpPacket would at `out[offset]` (which has rtpPacketSize(p) bytes from
 * there, zeros where padding goes); returns the offset after it.
 */
export function writeRtpPacket(p: RtpPacketFields, out: Uint8Array, offset: number): number {
  const csrcs = p.csrcs ?? [];
  const padding = p.padding ?? 0;
  const ext = p.extension;
  const size = rtpPacketSize(p);
  const view = new DataView(out.buffer, out.byteOffset + offset, size);
  out[offset] = 0x80 | (padding > 0 ? 0x20 : 0) | (ext ? 0x10 : 0) | csrcs.length;
  out[offset + 1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  view.setUint16(2, p.sequenceNumber & 0xffff);
  view.setUint32(4, p.timestamp >>> 0);
  view.setUint32(8, p.ssrc >>> 0);
  let o = 12;
  for (const c of csrcs) {
    view.setUint32(o, c >>> 0);
    o += 4;
  }
  if (ext) {
    view.setUint16(o, ext.profile);
    view.setUint16(o + 2, ext.data.length / 4);
    out.set(ext.data, offset + o + 4);
    o += 4 + ext.data.length;
  }
  out.set(p.payload, offset + o);
  if (padding > 0) out[offset + size - 1] = padding;
  return offset + size;
}
