import { splitAvcc } from '#ingest/media/annexb.js';
import { parseAvcDecoderConfig } from '#ingest/media/avc-decoder-config.js';
import { parseHevcDecoderConfig } from '#ingest/media/h265.js';
import type { MediaFrame, VideoConfig } from '#ingest/media/media-frame.js';
import { H264_NAL, H265_NAL, h264NalType, h265NalType } from '#ingest/media/nal-units.js';
import { ProtocolError } from '../protocol-error.js';
import { buildSenderReport } from './rtcp.js';
import type { RtpPacket } from './rtp-packet.js';

/** Default RTP payload budget: fits a 1500-byte Ethernet MTU with IP/UDP/RTP headers and some tunnel overhead. */
export const RTP_DEFAULT_MTU = 1400;

/** H.264 payloads (RFC 6184 mode 1): single NAL unit packets, FU-A for larger units. */
export function packetizeH264(nals: readonly Uint8Array[], mtu = RTP_DEFAULT_MTU): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const nal of nals) {
    if (nal.length <= mtu) {
      out.push(nal);
      continue;
    }
    const indicator = (nal[0] & 0xe0) | H264_NAL.fuA;
    const type = nal[0] & 0x1f;
    const step = mtu - 2;
    for (let o = 1; o < nal.length; o += step) {
      const chunk = nal.subarray(o, Math.min(nal.length, o + step));
      const fu = new Uint8Array(2 + chunk.length);
      fu[0] = indicator;
      fu[1] = (o === 1 ? 0x80 : 0) | (o + step >= nal.length ? 0x40 : 0) | type;
      fu.set(chunk, 2);
      out.push(fu);
    }
  }
  return out;
}

/** H.265 payloads (RFC 7798): single NAL unit packets, FUs for larger units. */
export function packetizeH265(nals: readonly Uint8Array[], mtu = RTP_DEFAULT_MTU): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const nal of nals) {
    if (nal.length <= mtu) {
      out.push(nal);
      continue;
    }
    const type = (nal[0] >> 1) & 0x3f;
    const step = mtu - 3;
    for (let o = 2; o < nal.length; o += step) {
      const chunk = nal.subarray(o, Math.min(nal.length, o + step));
      const fu = new Uint8Array(3 + chunk.length);
      fu[0] = (nal[0] & 0x81) | (H265_NAL.fu << 1);
      fu[1] = nal[1];
      fu[2] = (o === 2 ? 0x80 : 0) | (o + step >= nal.length ? 0x40 : 0) | type;
      fu.set(chunk, 3);
      out.push(fu);
    }
  }
  return out;
}

/** AAC-hbr payloads (RFC 3640): one AU per packet, fragmented when larger than the MTU. */
export function packetizeAac(au: Uint8Array, mtu = RTP_DEFAULT_MTU): Uint8Array[] {
  const out: Uint8Array[] = [];
  const step = mtu - 4;
  for (let o = 0; o === 0 || o < au.length; o += step) {
    const chunk = au.subarray(o, Math.min(au.length, o + step));
    const p = new Uint8Array(4 + chunk.length);
    p.set([0x00, 0x10, au.length >> 5, (au.length & 0x1f) << 3]);
    p.set(chunk, 4);
    out.push(p);
    if (au.length === 0) break;
  }
  return out;
}

/** Options of {@link RtpTrackPacketizer}. */
export interface RtpTrackPacketizerOptions {
  readonly payloadType: number;
  readonly clockRate: number;
  readonly ssrc: number;
  readonly mtu?: number;
  /** First sequence number and timestamp offset (random in production, RFC 3550 §5.1). */
  readonly initialSequence?: number;
  readonly timestampOffset?: number;
}

/**
 * Turns one track's frames into RTP packets for RTSP play: sequence numbers, timestamps in the
 * track clock, marker on the last packet of each frame, parameter sets before video keyframes,
 * and the counts a sender report needs.
 */
export class RtpTrackPacketizer {
  packetCount = 0;
  octetCount = 0;
  private seq: number;
  private lastRtpTimestamp = 0;
  private lastMs = 0;
  private paramSets: Uint8Array[] = [];
  private readonly mtu: number;

  constructor(
    readonly codec: 'h264' | 'h265' | 'aac' | 'opus',
    private readonly options: RtpTrackPacketizerOptions,
  ) {
    this.seq = options.initialSequence ?? 0;
    this.mtu = options.mtu ?? RTP_DEFAULT_MTU;
  }

  /** RTP timestamp for a time in ms. */
  rtpTimestamp(ms: number): number {
    return (Math.round((ms * this.options.clockRate) / 1000) + (this.options.timestampOffset ?? 0)) >>> 0;
  }

  /** Packets for a frame of this track; configs update the parameter sets and yield nothing. */
  packetize(frame: MediaFrame): RtpPacket[] {
    if (frame.kind === 'video-config') {
      this.setVideoConfig(frame);
      return [];
    }
    if (frame.kind === 'audio-config' || frame.kind === 'metadata') return [];
    if (frame.codec !== this.codec) return [];
    let payloads: Uint8Array[];
    let ms: number;
    if (frame.kind === 'video') {
      const h264 = frame.codec === 'h264';
      const nals = splitAvcc(frame.data).filter((n) => (h264 ? h264NalType(n) !== H264_NAL.aud : h265NalType(n) !== H265_NAL.aud));
      const all = frame.keyframe ? [...this.paramSets, ...nals] : nals;
      payloads = h264 ? packetizeH264(all, this.mtu) : packetizeH265(all, this.mtu);
      ms = frame.pts;
    } else {
      payloads = frame.codec === 'aac' ? packetizeAac(frame.data, this.mtu) : [frame.data];
      ms = frame.dts;
    }
    const timestamp = this.rtpTimestamp(ms);
    this.lastRtpTimestamp = timestamp;
    this.lastMs = ms;
    return payloads.map((payload, i) => {
      this.packetCount++;
      this.octetCount += payload.length;
      const p: RtpPacket = {
        // the last packet of a frame (RFC 6184 §5.1, RFC 3640 §3.2.3.2: last fragment of an AU)
        marker: i === payloads.length - 1,
        payloadType: this.options.payloadType,
        sequenceNumber: this.seq,
        timestamp,
        ssrc: this.options.ssrc,
        csrcs: [],
        payload,
        padding: 0,
      };
      this.seq = (this.seq + 1) & 0xffff;
      return p;
    });
  }

  /** The next sequence number (for RTP-Info). */
  get nextSequence(): number {
    return this.seq;
  }

  /**
   * A sender report mapping wall-clock `nowMs` to this track's RTP clock; `streamMs` is the stream
   * time that corresponds to `nowMs` (defaults to the last frame's time).
   */
  senderReport(nowMs: number, streamMs: number = this.lastMs): Uint8Array {
    const rtpTimestamp = streamMs === this.lastMs ? this.lastRtpTimestamp : this.rtpTimestamp(streamMs);
    return buildSenderReport({ ssrc: this.options.ssrc, ntpTimeMs: nowMs, rtpTimestamp, packetCount: this.packetCount, octetCount: this.octetCount });
  }

  private setVideoConfig(config: VideoConfig): void {
    if (config.codec !== this.codec) return;
    if (config.codec === 'h264') {
      const c = parseAvcDecoderConfig(config.record);
      this.paramSets = [...c.sps, ...c.pps];
    } else if (config.codec === 'h265') {
      const c = parseHevcDecoderConfig(config.record);
      this.paramSets = [...c.vps, ...c.sps, ...c.pps];
    } else {
      throw new ProtocolError('RTP_UNSUPPORTED_CODEC', `no RTP packetizer for ${config.codec}`);
    }
  }
}
