import { ProtocolError } from '../protocol-error.js';

/** One reception report block (RFC 3550 §6.4.1). */
export interface RtcpReportBlock {
  readonly ssrc: number;
  readonly fractionLost: number;
  readonly cumulativeLost: number;
  readonly highestSequence: number;
  readonly jitter: number;
  readonly lastSenderReport: number;
  readonly delaySinceLastSenderReport: number;
}

/** RTCP packets we read; others are reported by type only. */
export type RtcpPacket =
  | {
      readonly type: 'sr';
      readonly ssrc: number;
      /** NTP timestamp as Unix milliseconds. */
      readonly ntpTimeMs: number;
      readonly rtpTimestamp: number;
      readonly packetCount: number;
      readonly octetCount: number;
      readonly reports: readonly RtcpReportBlock[];
    }
  | { readonly type: 'rr'; readonly ssrc: number; readonly reports: readonly RtcpReportBlock[] }
  | { readonly type: 'other'; readonly packetType: number };

const NTP_UNIX_OFFSET = 2208988800;

/** Parses a compound RTCP packet. Lengths are checked against the bytes: `RTCP_BAD_PACKET`. */
export function parseRtcp(bytes: Uint8Array): RtcpPacket[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: RtcpPacket[] = [];
  let o = 0;
  while (o < bytes.length) {
    if (bytes.length - o < 4) throw new ProtocolError('RTCP_BAD_PACKET', 'RTCP header truncated');
    if (bytes[o] >> 6 !== 2) throw new ProtocolError('RTCP_BAD_PACKET', `RTCP version ${bytes[o] >> 6} != 2`);
    const count = bytes[o] & 0x1f;
    const pt = bytes[o + 1];
    const length = (view.getUint16(o + 2) + 1) * 4;
    if (o + length > bytes.length) throw new ProtocolError('RTCP_BAD_PACKET', `RTCP length ${length} past the end of ${bytes.length - o} bytes`);
    const blocksAt = (start: number): RtcpReportBlock[] => {
      if (start + count * 24 > o + length) throw new ProtocolError('RTCP_BAD_PACKET', `${count} report blocks do not fit ${length} bytes`);
      const blocks: RtcpReportBlock[] = [];
      for (let i = 0; i < count; i++) {
        const b = start + i * 24;
        const lost = view.getUint32(b + 4) & 0xffffff;
        blocks.push({
          ssrc: view.getUint32(b),
          fractionLost: bytes[b + 4],
          cumulativeLost: lost & 0x800000 ? lost - 0x1000000 : lost,
          highestSequence: view.getUint32(b + 8),
          jitter: view.getUint32(b + 12),
          lastSenderReport: view.getUint32(b + 16),
          delaySinceLastSenderReport: view.getUint32(b + 20),
        });
      }
      return blocks;
    };
    if (pt === 200) {
      if (length < 28) throw new ProtocolError('RTCP_BAD_PACKET', `sender report of ${length} bytes`);
      const ntpSeconds = view.getUint32(o + 8);
      const ntpFraction = view.getUint32(o + 12);
      out.push({
        type: 'sr',
        ssrc: view.getUint32(o + 4),
        ntpTimeMs: (ntpSeconds - NTP_UNIX_OFFSET) * 1000 + (ntpFraction / 2 ** 32) * 1000,
        rtpTimestamp: view.getUint32(o + 16),
        packetCount: view.getUint32(o + 20),
        octetCount: view.getUint32(o + 24),
        reports: blocksAt(o + 28),
      });
    } else if (pt === 201) {
      if (length < 8) throw new ProtocolError('RTCP_BAD_PACKET', `receiver report of ${length} bytes`);
      out.push({ type: 'rr', ssrc: view.getUint32(o + 4), reports: blocksAt(o + 8) });
    } else {
      out.push({ type: 'other', packetType: pt });
    }
    o += length;
  }
  return out;
}

/** A sender report without report blocks (what a server sends its players, §6.4.1). */
export function buildSenderReport(sr: { ssrc: number; ntpTimeMs: number; rtpTimestamp: number; packetCount: number; octetCount: number }): Uint8Array {
  const out = new Uint8Array(28);
  const view = new DataView(out.buffer);
  out[0] = 0x80;
  out[1] = 200;
  view.setUint16(2, 6);
  view.setUint32(4, sr.ssrc >>> 0);
  const seconds = Math.floor(sr.ntpTimeMs / 1000);
  view.setUint32(8, (seconds + NTP_UNIX_OFFSET) >>> 0);
  view.setUint32(12, Math.floor(((sr.ntpTimeMs - seconds * 1000) / 1000) * 2 ** 32) >>> 0);
  view.setUint32(16, sr.rtpTimestamp >>> 0);
  view.setUint32(20, sr.packetCount >>> 0);
  view.setUint32(24, sr.octetCount >>> 0);
  return out;
}

/** A receiver report with the given blocks (for tests and for answering publishers). */
export function buildReceiverReport(ssrc: number, blocks: readonly RtcpReportBlock[]): Uint8Array {
  const out = new Uint8Array(8 + blocks.length * 24);
  const view = new DataView(out.buffer);
  out[0] = 0x80 | blocks.length;
  out[1] = 201;
  view.setUint16(2, out.length / 4 - 1);
  view.setUint32(4, ssrc >>> 0);
  blocks.forEach((b, i) => {
    const o = 8 + i * 24;
    view.setUint32(o, b.ssrc >>> 0);
    view.setUint32(o + 4, ((b.fractionLost & 0xff) << 24) | (b.cumulativeLost & 0xffffff));
    view.setUint32(o + 8, b.highestSequence >>> 0);
    view.setUint32(o + 12, b.jitter >>> 0);
    view.setUint32(o + 16, b.lastSenderReport >>> 0);
    view.setUint32(o + 20, b.delaySinceLastSenderReport >>> 0);
  });
  return out;
}
