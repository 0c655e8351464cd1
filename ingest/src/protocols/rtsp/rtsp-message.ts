import { rtpPacketSize, writeRtpPacket, type RtpPacketFields } from '../rtp/rtp-packet.js';

/** Header fields in wire order; names keep their case, lookups ignore it (RFC 2326 §4.2). */
export type RtspHeaders = readonly (readonly [string, string])[];

/** An RTSP request (RFC 2326 §6). */
export interface RtspRequest {
  readonly type: 'request';
  readonly method: string;
  readonly uri: string;
  readonly headers: RtspHeaders;
  readonly body: Uint8Array;
}

/** An RTSP response (RFC 2326 §7). */
export interface RtspResponse {
  readonly type: 'response';
  readonly status: number;
  readonly reason: string;
  readonly headers: RtspHeaders;
  readonly body: Uint8Array;
}

/** An RTP/RTCP packet interleaved on the RTSP connection (RFC 2326 §10.12: `$`, channel, 16-bit length). */
export interface InterleavedFrame {
  readonly type: 'interleaved';
  readonly channel: number;
  readonly payload: Uint8Array;
}

/** Anything that arrives on an RTSP TCP connection. */
export type RtspUnit = RtspRequest | RtspResponse | InterleavedFrame;

/** First value of header `name` (case-insensitive), or undefined. */
export function getHeader(message: { readonly headers: RtspHeaders }, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of message.headers) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** The CSeq of a message, or undefined when missing or not a number. */
export function getCSeq(message: { readonly headers: RtspHeaders }): number | undefined {
  const v = getHeader(message, 'CSeq');
  return v !== undefined && /^\d{1,10}$/.test(v.trim()) ? Number(v.trim()) : undefined;
}

const enc = new TextEncoder();

function encodeHead(startLine: string, headers: RtspHeaders, body: Uint8Array): Uint8Array {
  let head = `${startLine}\r\n`;
  let hasLength = false;
  for (const [k, v] of headers) {
    if (k.toLowerCase() === 'content-length') hasLength = true;
    head += `${k}: ${v}\r\n`;
  }
  if (body.length > 0 && !hasLength) head += `Content-Length: ${body.length}\r\n`;
  head += '\r\n';
  const h = enc.encode(head);
  const out = new Uint8Array(h.length + body.length);
  out.set(h);
  out.set(body, h.length);
  return out;
}

/** Request bytes; Content-Length is added for a non-empty body when absent. */
export function encodeRtspRequest(req: Omit<RtspRequest, 'type'>): Uint8Array {
  return encodeHead(`${req.method} ${req.uri} RTSP/1.0`, req.headers, req.body);
}

/** Response bytes; Content-Length is added for a non-empty body when absent. */
export function encodeRtspResponse(res: Omit<RtspResponse, 'type'>): Uint8Array {
  return encodeHead(`RTSP/1.0 ${res.status} ${res.reason}`, res.headers, res.body);
}

/** `$`, channel, 16-bit length, payload. */
export function encodeInterleavedFrame(channel: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  out.set([0x24, channel & 0xff, payload.length >> 8, payload.length & 0xff]);
  out.set(payload, 4);
  return out;
}

/** Several payloads on one channel as consecutive `$` frames in one buffer (one write for all). */
export function encodeInterleavedFrames(channel: number, payloads: readonly Uint8Array[]): Buffer {
  let size = 0;
  for (const p of payloads) size += 4 + p.length;
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const p of payloads) {
    out[o] = 0x24;
    out[o + 1] = channel & 0xff;
    out[o + 2] = p.length >> 8;
    out[o + 3] = p.length & 0xff;
    out.set(p, o + 4);
    o += 4 + p.length;
  }
  return out;
}

/**
 * RTP packets as consecutive `$` frames on `channel`, serialized straight into one buffer; `packets`
 * are views of each RTP packet inside it, so whoever needs the bare packets (UDP, sequence numbers)
 * and whoever writes the `$` frames share one copy of the bytes.
 */
export function encodeInterleavedRtp(channel: number, packets: readonly RtpPacketFields[]): { readonly bytes: Buffer; readonly packets: Uint8Array[] } {
  let size = 0;
  for (const p of packets) size += 4 + rtpPacketSize(p);
  // Zero-filled: writeRtpPacket leaves padding bytes as they are.
  const bytes = Buffer.alloc(size);
  const views: Uint8Array[] = [];
  let o = 0;
  for (const p of packets) {
    const length = rtpPacketSize(p);
    bytes[o] = 0x24;
    bytes[o + 1] = channel & 0xff;
    bytes[o + 2] = length >> 8;
    bytes[o + 3] = length & 0xff;
    writeRtpPacket(p, bytes, o + 4);
    views.push(bytes.subarray(o + 4, o + 4 + length));
    o += 4 + length;
  }
  return { bytes, packets: views };
}
