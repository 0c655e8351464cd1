import { LIMITS } from '../limits.js';
import { checkLimit, ProtocolError } from '../protocol-error.js';

/** Handshake types (SRT draft §3.2.1); rejections are `1000 + reason` ({@link srtRejectionType}). */
export const SRT_HS_TYPE = {
  waveahand: 0,
  induction: 1,
  conclusion: 0xffffffff,
  agreement: 0xfffffffe,
  done: 0xfffffffd,
} as const;

/** What a listener puts in the extension field of its induction answer (HSv5 capable). */
export const SRT_MAGIC_CODE = 0x4a17;

/** Handshake extension types (SRT draft §3.2.1.1-4). */
export const SRT_HS_EXT = { hsreq: 1, hsrsp: 2, kmreq: 3, kmrsp: 4, sid: 5, congestion: 6, filter: 7, group: 8 } as const;

/** Bits of a conclusion's extension field: which extension blocks follow. */
export const SRT_HS_EXT_FLAG = { hsreq: 1, kmreq: 2, config: 4 } as const;

/** SRT flags of HSREQ/HSRSP (SRT draft §3.2.1.1.1). */
export const SRT_FLAG = {
  tsbpdSnd: 0x01,
  tsbpdRcv: 0x02,
  crypt: 0x04,
  tlpktDrop: 0x08,
  periodicNak: 0x10,
  rexmitFlag: 0x20,
  stream: 0x40,
  packetFilter: 0x80,
} as const;

/** Rejection reasons (libsrt `SRT_REJECT_REASON`, and the access-control codes from 1000). */
export const SRT_REJECT = {
  unknown: 0,
  system: 1,
  peer: 2,
  resource: 3,
  rogue: 4,
  backlog: 5,
  ipe: 6,
  close: 7,
  version: 8,
  rdvCookie: 9,
  badSecret: 10,
  unsecure: 11,
  messageApi: 12,
  congestion: 13,
  filter: 14,
  group: 15,
  timeout: 16,
  // SRT access control (predefined application codes, libsrt access_control.h)
  badRequest: 1400,
  unauthorized: 1401,
  overload: 1402,
  forbidden: 1403,
  notFound: 1404,
  badMode: 1405,
  unacceptable: 1406,
  conflict: 1409,
  ise: 1500,
  down: 1503,
} as const;

/** The handshake type that carries rejection `reason` (libsrt `URQFailure`: 1000 + reason). */
export function srtRejectionType(reason: number): number {
  return 1000 + reason;
}

/** One handshake extension block, its content still encoded. */
export interface SrtHandshakeExtension {
  readonly type: number;
  readonly data: Uint8Array;
}

/** A handshake's control information field (48 bytes) and its extension blocks. */
export interface SrtHandshake {
  readonly version: number;
  /** Caller (HSv5): the key length it will use / 8 (2, 3, 4), or 0. */
  readonly encryption: number;
  /** Induction answer: {@link SRT_MAGIC_CODE}; conclusion: {@link SRT_HS_EXT_FLAG} bits. */
  readonly extension: number;
  readonly initialSeq: number;
  readonly mtu: number;
  readonly flowWindow: number;
  /** {@link SRT_HS_TYPE}, or a rejection. */
  readonly type: number;
  readonly socketId: number;
  readonly cookie: number;
  /** 16 bytes, as sent (libsrt writes IPv4 byte-reversed in the first word). */
  readonly peerIp: Uint8Array;
  readonly extensions: readonly SrtHandshakeExtension[];
}

const HS_CIF_SIZE = 48;

/**
 * Decodes a handshake CIF. Extension blocks are read only for HSv5 conclusions (an induction
 * carries none); each block's length is checked against what is left, and their count against
 * `srtMaxHandshakeExtensions`. Raises `SRT_BAD_HANDSHAKE` / `SRT_LIMIT_EXCEEDED`.
 */
export function decodeHandshake(cif: Uint8Array): SrtHandshake {
  if (cif.length < HS_CIF_SIZE) throw new ProtocolError('SRT_BAD_HANDSHAKE', `handshake too short: ${cif.length} < ${HS_CIF_SIZE} bytes`);
  const v = new DataView(cif.buffer, cif.byteOffset, cif.byteLength);
  const hs = {
    version: v.getUint32(0),
    encryption: v.getUint16(4),
    extension: v.getUint16(6),
    initialSeq: v.getUint32(8) & 0x7fffffff,
    mtu: v.getUint32(12),
    flowWindow: v.getUint32(16),
    type: v.getUint32(20),
    socketId: v.getUint32(24),
    cookie: v.getUint32(28),
    peerIp: cif.subarray(32, 48),
  };
  const extensions: SrtHandshakeExtension[] = [];
  if (hs.version >= 5 && hs.type === SRT_HS_TYPE.conclusion) {
    let o = HS_CIF_SIZE;
    while (o + 4 <= cif.length) {
      checkLimit('SRT_LIMIT_EXCEEDED', 'handshake extensions', extensions.length + 1, LIMITS.srtMaxHandshakeExtensions);
      const type = v.getUint16(o);
      const length = v.getUint16(o + 2) * 4;
      if (o + 4 + length > cif.length) {
        throw new ProtocolError('SRT_BAD_HANDSHAKE', `handshake extension ${type} of ${length} bytes overruns the packet (${cif.length - o - 4} left)`);
      }
      extensions.push({ type, data: cif.subarray(o + 4, o + 4 + length) });
      o += 4 + length;
    }
  }
  return { ...hs, extensions };
}

/** Encodes a handshake CIF with its extension blocks (their data padded to whole words). */
export function encodeHandshake(hs: SrtHandshake): Uint8Array {
  let size = HS_CIF_SIZE;
  for (const e of hs.extensions) size += 4 + Math.ceil(e.data.length / 4) * 4;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, hs.version);
  v.setUint16(4, hs.encryption);
  v.setUint16(6, hs.extension);
  v.setUint32(8, hs.initialSeq & 0x7fffffff);
  v.setUint32(12, hs.mtu);
  v.setUint32(16, hs.flowWindow);
  v.setUint32(20, hs.type >>> 0);
  v.setUint32(24, hs.socketId >>> 0);
  v.setUint32(28, hs.cookie >>> 0);
  out.set(hs.peerIp.subarray(0, 16), 32);
  let o = HS_CIF_SIZE;
  for (const e of hs.extensions) {
    const words = Math.ceil(e.data.length / 4);
    v.setUint16(o, e.type);
    v.setUint16(o + 2, words);
    out.set(e.data, o + 4);
    o += 4 + words * 4;
  }
  return out;
}

/** HSREQ/HSRSP content (SRT draft §3.2.1.1). */
export interface SrtHsReq {
  /** libsrt version as 0x00MMmmpp. */
  readonly srtVersion: number;
  /** {@link SRT_FLAG} bits. */
  readonly flags: number;
  /** TSBPD delay (ms) the sender of this block uses as a receiver. */
  readonly recvLatencyMs: number;
  /** TSBPD delay (ms) the sender of this block proposes for its peer's receiving. */
  readonly sendLatencyMs: number;
}

/** Decodes an HSREQ/HSRSP block; raises `SRT_BAD_HANDSHAKE` when shorter than 12 bytes. */
export function decodeHsReq(data: Uint8Array): SrtHsReq {
  if (data.length < 12) throw new ProtocolError('SRT_BAD_HANDSHAKE', `HSREQ too short: ${data.length} < 12 bytes`);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const latency = v.getUint32(8);
  return { srtVersion: v.getUint32(0), flags: v.getUint32(4), recvLatencyMs: latency >>> 16, sendLatencyMs: latency & 0xffff };
}

/** Encodes an HSREQ/HSRSP block. */
export function encodeHsReq(r: SrtHsReq): Uint8Array {
  const out = new Uint8Array(12);
  const v = new DataView(out.buffer);
  v.setUint32(0, r.srtVersion);
  v.setUint32(4, r.flags);
  v.setUint32(8, (((r.recvLatencyMs & 0xffff) << 16) | (r.sendLatencyMs & 0xffff)) >>> 0);
  return out;
}

/**
 * Decodes the stream id block: libsrt writes the string as 32-bit words in host (little-endian)
 * order, so each group of four bytes is reversed on the wire; trailing NULs are padding. Bounded
 * by `srtMaxStreamIdLength` (512 in libsrt). Raises `SRT_LIMIT_EXCEEDED` / `SRT_BAD_STREAM_ID`.
 */
export function decodeStreamIdBlock(data: Uint8Array): string {
  checkLimit('SRT_LIMIT_EXCEEDED', 'stream id', data.length, LIMITS.srtMaxStreamIdLength);
  const bytes = new Uint8Array(data.length);
  for (let i = 0; i + 4 <= data.length; i += 4) {
    bytes[i] = data[i + 3]!;
    bytes[i + 1] = data[i + 2]!;
    bytes[i + 2] = data[i + 1]!;
    bytes[i + 3] = data[i]!;
  }
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end));
  } catch (err) {
    throw new ProtocolError('SRT_BAD_STREAM_ID', 'stream id is not UTF-8', { cause: err });
  }
}

/** Encodes a stream id block (the inverse of {@link decodeStreamIdBlock}). */
export function encodeStreamIdBlock(id: string): Uint8Array {
  const text = new TextEncoder().encode(id);
  const out = new Uint8Array(Math.ceil(text.length / 4) * 4);
  for (let i = 0; i < out.length; i += 4) {
    out[i] = text[i + 3] ?? 0;
    out[i + 1] = text[i + 2] ?? 0;
    out[i + 2] = text[i + 1] ?? 0;
    out[i + 3] = text[i] ?? 0;
  }
  return out;
}

/** The 16-byte peer address field for an IPv4 or IPv6 address, as libsrt writes it. */
export function encodePeerIp(address: string): Uint8Array {
  const out = new Uint8Array(16);
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/i.exec(address);
  if (v4) {
    // One host-order word: the dotted bytes reversed.
    for (let i = 0; i < 4; i++) out[3 - i] = Number(v4[i + 1]) & 0xff;
  }
  return out;
}
