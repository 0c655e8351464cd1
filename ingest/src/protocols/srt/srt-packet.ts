import { ProtocolError } from '../protocol-error.js';

/** Every SRT packet starts with this 16-byte header (SRT draft §3). */
export const SRT_HEADER_SIZE = 16;

/** Control packet types (SRT draft §3.2, Table 1). */
export const SRT_CONTROL = {
  handshake: 0x0000,
  keepalive: 0x0001,
  ack: 0x0002,
  nak: 0x0003,
  congestion: 0x0004,
  shutdown: 0x0005,
  ackack: 0x0006,
  dropreq: 0x0007,
  peerError: 0x0008,
  user: 0x7fff,
} as const;

/** Packet position flags of a data packet (PP): a message in one packet is `solo`. */
export const SRT_POSITION = { middle: 0, last: 1, first: 2, solo: 3 } as const;

/** Encryption key flags of a data packet (KK). */
export const SRT_KEY = { none: 0, even: 1, odd: 2 } as const;

/** A data packet: one payload chunk of a message (live mode: a message is one packet). */
export interface SrtDataPacket {
  readonly kind: 'data';
  /** 31-bit packet sequence number. */
  readonly seq: number;
  /** PP: {@link SRT_POSITION}. */
  readonly position: number;
  /** O: deliver in order (file mode; ignored in live mode). */
  readonly inOrder: boolean;
  /** KK: {@link SRT_KEY}. */
  readonly keyFlags: number;
  /** R: a retransmission (only meaningful when REXMITFLG was negotiated). */
  readonly retransmitted: boolean;
  /** 26-bit message number. */
  readonly messageNumber: number;
  /** Microseconds since the sender's connection start (wraps at 2^32). */
  readonly timestamp: number;
  /** Destination socket id. */
  readonly socketId: number;
  readonly payload: Uint8Array;
}

/** A control packet; `cif` is the type's control information field, decoded by the type's codec. */
export interface SrtControlPacket {
  readonly kind: 'control';
  /** 15-bit control type: {@link SRT_CONTROL}. */
  readonly type: number;
  readonly subtype: number;
  /** Type-specific information (ACK number, message number of a DROPREQ, …). */
  readonly typeInfo: number;
  readonly timestamp: number;
  readonly socketId: number;
  readonly cif: Uint8Array;
}

export type SrtPacket = SrtDataPacket | SrtControlPacket;

/**
 * Decodes one UDP datagram as an SRT packet. The payload and CIF are views into `bytes` (no
 * copy). Raises ProtocolError `SRT_SHORT_PACKET` for fewer than 16 bytes.
 */
export function decodeSrtPacket(bytes: Uint8Array): SrtPacket {
  if (bytes.length < SRT_HEADER_SIZE) {
    throw new ProtocolError('SRT_SHORT_PACKET', `SRT packet too short: ${bytes.length} < ${SRT_HEADER_SIZE} bytes`);
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const w0 = v.getUint32(0);
  const w1 = v.getUint32(4);
  const timestamp = v.getUint32(8);
  const socketId = v.getUint32(12);
  const body = bytes.subarray(SRT_HEADER_SIZE);
  if ((w0 & 0x80000000) === 0) {
    return {
      kind: 'data',
      seq: w0,
      position: w1 >>> 30,
      inOrder: (w1 & 0x20000000) !== 0,
      keyFlags: (w1 >>> 27) & 3,
      retransmitted: (w1 & 0x04000000) !== 0,
      messageNumber: w1 & 0x03ffffff,
      timestamp,
      socketId,
      payload: body,
    };
  }
  return { kind: 'control', type: (w0 >>> 16) & 0x7fff, subtype: w0 & 0xffff, typeInfo: w1, timestamp, socketId, cif: body };
}

/** Encodes a data or control packet (the inverse of {@link decodeSrtPacket}). */
export function encodeSrtPacket(p: SrtPacket): Uint8Array {
  const body = p.kind === 'data' ? p.payload : p.cif;
  const out = new Uint8Array(SRT_HEADER_SIZE + body.length);
  const v = new DataView(out.buffer);
  if (p.kind === 'data') {
    v.setUint32(0, p.seq & 0x7fffffff);
    v.setUint32(
      4,
      ((p.position & 3) << 30) | (p.inOrder ? 0x20000000 : 0) | ((p.keyFlags & 3) << 27) | (p.retransmitted ? 0x04000000 : 0) | (p.messageNumber & 0x03ffffff),
    );
  } else {
    v.setUint32(0, (0x80000000 | ((p.type & 0x7fff) << 16) | (p.subtype & 0xffff)) >>> 0);
    v.setUint32(4, p.typeInfo >>> 0);
  }
  v.setUint32(8, p.timestamp >>> 0);
  v.setUint32(12, p.socketId >>> 0);
  out.set(body, SRT_HEADER_SIZE);
  return out;
}

/** An ACK's control information (SRT draft §3.2.4): light (4 bytes), small (16) or full (28). */
export interface SrtAck {
  /** The sequence number of the next packet the receiver expects (all before it arrived). */
  readonly lastAcked: number;
  readonly rttUs?: number;
  readonly rttVarUs?: number;
  /** Free space of the receiver's buffer, in packets. */
  readonly bufferAvailable?: number;
  readonly packetsPerSecond?: number;
  readonly linkCapacity?: number;
  readonly bytesPerSecond?: number;
}

/** Decodes an ACK CIF; raises `SRT_BAD_ACK` when shorter than 4 bytes. */
export function decodeAck(cif: Uint8Array): SrtAck {
  if (cif.length < 4) throw new ProtocolError('SRT_BAD_ACK', `ACK too short: ${cif.length} < 4 bytes`);
  const v = new DataView(cif.buffer, cif.byteOffset, cif.byteLength);
  const lastAcked = v.getUint32(0) & 0x7fffffff;
  if (cif.length < 16) return { lastAcked };
  const small = { lastAcked, rttUs: v.getUint32(4), rttVarUs: v.getUint32(8), bufferAvailable: v.getUint32(12) };
  if (cif.length < 28) return small;
  return { ...small, packetsPerSecond: v.getUint32(16), linkCapacity: v.getUint32(20), bytesPerSecond: v.getUint32(24) };
}

/** Encodes a full ACK CIF (missing rates as 0). */
export function encodeAck(a: SrtAck): Uint8Array {
  const out = new Uint8Array(28);
  const v = new DataView(out.buffer);
  v.setUint32(0, a.lastAcked & 0x7fffffff);
  v.setUint32(4, a.rttUs ?? 100_000);
  v.setUint32(8, a.rttVarUs ?? 50_000);
  v.setUint32(12, a.bufferAvailable ?? 0);
  v.setUint32(16, a.packetsPerSecond ?? 0);
  v.setUint32(20, a.linkCapacity ?? 0);
  v.setUint32(24, a.bytesPerSecond ?? 0);
  return out;
}

/** An inclusive range of lost sequence numbers (`from === to` for one packet). */
export interface SrtLossRange {
  readonly from: number;
  readonly to: number;
}

/**
 * Decodes a NAK's loss list (SRT draft §3.2.5, Appendix A): a word with the top bit clear is one
 * lost packet; with it set, the next word ends a range. At most `maxRanges` are returned (the
 * datagram bounds the count anyway; a peer cannot make us walk more). Raises `SRT_BAD_LOSS_LIST`
 * for a range without an end, an end before its start or a length that is not a word multiple.
 */
export function decodeLossList(cif: Uint8Array, maxRanges = 512): SrtLossRange[] {
  if (cif.length % 4 !== 0) throw new ProtocolError('SRT_BAD_LOSS_LIST', `loss list of ${cif.length} bytes is not whole words`);
  const v = new DataView(cif.buffer, cif.byteOffset, cif.byteLength);
  const out: SrtLossRange[] = [];
  for (let o = 0; o < cif.length && out.length < maxRanges; o += 4) {
    const w = v.getUint32(o);
    if ((w & 0x80000000) === 0) {
      out.push({ from: w, to: w });
      continue;
    }
    if (o + 4 >= cif.length) throw new ProtocolError('SRT_BAD_LOSS_LIST', 'loss range without an end');
    const from = w & 0x7fffffff;
    const to = v.getUint32(o + 4);
    if ((to & 0x80000000) !== 0) throw new ProtocolError('SRT_BAD_LOSS_LIST', 'loss range end has the range flag');
    const span = (to - from + 0x80000000) % 0x80000000;
    if (span >= 0x40000000) throw new ProtocolError('SRT_BAD_LOSS_LIST', `loss range ends before it starts: ${from}..${to}`);
    out.push({ from, to });
    o += 4;
  }
  return out;
}

/** Encodes a loss list (the inverse of {@link decodeLossList}). */
export function encodeLossList(ranges: readonly SrtLossRange[]): Uint8Array {
  const words: number[] = [];
  for (const r of ranges) {
    if (r.from === r.to) words.push(r.from);
    else words.push((0x80000000 | r.from) >>> 0, r.to);
  }
  const out = new Uint8Array(words.length * 4);
  const v = new DataView(out.buffer);
  words.forEach((w, i) => v.setUint32(i * 4, w));
  return out;
}

/** Encodes a DROPREQ CIF: the sender will not send `from..to` any more (SRT draft §3.2.9). */
export function encodeDropRequest(from: number, to: number): Uint8Array {
  const out = new Uint8Array(8);
  const v = new DataView(out.buffer);
  v.setUint32(0, from);
  v.setUint32(4, to);
  return out;
}

/** Decodes a DROPREQ CIF; raises `SRT_BAD_DROPREQ` when shorter than 8 bytes. */
export function decodeDropRequest(cif: Uint8Array): SrtLossRange {
  if (cif.length < 8) throw new ProtocolError('SRT_BAD_DROPREQ', `DROPREQ too short: ${cif.length} < 8 bytes`);
  const v = new DataView(cif.buffer, cif.byteOffset, cif.byteLength);
  return { from: v.getUint32(0) & 0x7fffffff, to: v.getUint32(4) & 0x7fffffff };
}
