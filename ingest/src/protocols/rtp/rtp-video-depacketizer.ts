import { joinAvcc } from '#ingest/media/annexb.js';
import { buildAvcDecoderConfig, parseAvcDecoderConfig } from '#ingest/media/avc-decoder-config.js';
import { DtsEstimator } from '#ingest/media/dts-estimator.js';
import { parseH264Sps } from '#ingest/media/h264-sps.js';
import { buildHevcDecoderConfig, parseH265Sps, parseHevcDecoderConfig } from '#ingest/media/h265.js';
import type { MediaFrame, VideoConfig } from '#ingest/media/media-frame.js';
import { H264_NAL, H265_NAL, h264NalType, h265NalType, isKeyframe } from '#ingest/media/nal-units.js';
import { LIMITS } from '../limits.js';
import { ProtocolError, checkLimit } from '../protocol-error.js';
import { RtpClock } from './rtp-clock.js';
import type { RtpPacket } from './rtp-packet.js';
import { RtpSequenceCheck } from './rtp-sequence-check.js';

/** Largest access unit reassembled from RTP (FU fragments or aggregated NAL units). */
export const RTP_MAX_ACCESS_UNIT_SIZE = LIMITS.rtpMaxAccessUnitSize;

/** Options of {@link VideoDepacketizer}. */
export interface VideoDepacketizerOptions {
  readonly clockRate?: number;
  /** Configuration from SDP (sprop-*); in-band parameter sets replace it. */
  readonly config?: VideoConfig;
  readonly maxAccessUnitSize?: number;
  /** Frames held to derive DTS; default from the SPS (max_num_reorder_frames / sps_max_num_reorder_pics). */
  readonly reorderDepth?: number;
}

/** Reorder depth a configuration declares: VUI max_num_reorder_frames, else 0 for Baseline and 2 otherwise. */
export function reorderDepthOf(config: VideoConfig): number {
  try {
    if (config.codec === 'h264') {
      const sps = parseAvcDecoderConfig(config.record).sps[0];
      if (!sps) return 2;
      const info = parseH264Sps(sps);
      return Math.min(info.maxNumReorderFrames ?? (info.profileIdc === 66 ? 0 : 2), 16);
    }
    const sps = parseHevcDecoderConfig(config.record).sps[0];
    return sps ? Math.min(parseH265Sps(sps).maxNumReorderPics, 16) : 2;
  } catch {
    return 2; // an SPS we cannot read: assume B-frames rather than emit DTS going backwards
  }
}

/** Counters of tolerated damage. */
export interface DepacketizerStats {
  lostPackets: number;
  droppedFrames: number;
}

/**
 * H.264 (RFC 6184: single NAL, STAP-A, FU-A) and H.265 (RFC 7798: single, AP, FU) depacketizer.
 * Collects the NAL units of one RTP timestamp into an access unit (ended by the marker bit or a
 * new timestamp), keeps parameter sets out of the frame data and emits a VideoConfig before the
 * first frame and whenever they change. After any sequence gap, frames are dropped until the next
 * keyframe. RTP carries no DTS: it is derived by a {@link DtsEstimator} holding as many frames as
 * the SPS says B-frames may be reordered (0 for streams without B-frames).
 */
export class VideoDepacketizer {
  readonly stats: DepacketizerStats = { lostPackets: 0, droppedFrames: 0 };

  /** RTP timestamp of this track's timeline 0 (its first emitted frame), for RTCP sender-report alignment. */
  get rtpBase(): number | undefined {
    return this.clock.firstTimestamp;
  }
  private readonly clock: RtpClock;
  private nals: Uint8Array[] = [];
  private auSize = 0;
  private auTimestamp: number | undefined;
  private fu: Uint8Array[] | undefined;
  private fuSize = 0;
  private readonly sequence = new RtpSequenceCheck(this.stats);
  private waitKeyframe = true;
  private damaged = false;
  private readonly params = new Map<number, Uint8Array>();
  private config: VideoConfig | undefined;
  private configSent = false;

  constructor(
    readonly codec: 'h264' | 'h265',
    options: VideoDepacketizerOptions = {},
  ) {
    this.clock = new RtpClock(options.clockRate ?? 90000);
    this.config = options.config;
    this.maxAu = options.maxAccessUnitSize ?? RTP_MAX_ACCESS_UNIT_SIZE;
    this.fixedDepth = options.reorderDepth;
  }

  private readonly fixedDepth: number | undefined;
  private dts: DtsEstimator | undefined;

  /** Bytes of the access unit (and fragmented NAL unit) being reassembled. */
  get heldBytes(): number {
    return this.auSize + this.fuSize;
  }

  /** Releases frames held for DTS estimation (end of stream). */
  flushHeld(): MediaFrame[] {
    return this.dts?.flush() ?? [];
  }

  private readonly maxAu: number;

  /** Consumes one packet (in sequence order); returns completed frames. */
  push(packet: RtpPacket): MediaFrame[] {
    const out: MediaFrame[] = [];
    const lost = this.sequence.next(packet.sequenceNumber);
    if (lost < 0) return out;
    const loss = lost > 0;
    if (loss) this.damaged = true;
    if (this.auTimestamp !== undefined && packet.timestamp !== this.auTimestamp) {
      this.flush(out);
      // the lost packets may have begun this access unit as well as ended the previous one
      if (loss) this.damaged = true;
    }
    this.auTimestamp = packet.timestamp;
    if (this.codec === 'h264') this.h264(packet.payload);
    else this.h265(packet.payload);
    if (packet.marker) this.flush(out);
    return out;
  }

  private add(nal: Uint8Array): void {
    checkLimit('RTP_FRAME_TOO_LARGE', 'Access unit', this.auSize + nal.length, this.maxAu);
    this.nals.push(nal);
    this.auSize += nal.length + 4;
  }

  private h264(p: Uint8Array): void {
    if (p.length === 0) return;
    const type = p[0] & 0x1f;
    if (type >= 1 && type <= 23) {
      this.add(p);
    } else if (type === H264_NAL.stapA) {
      this.aggregate(p, 1);
    } else if (type === H264_NAL.fuA) {
      if (p.length < 2) throw new ProtocolError('RTP_BAD_PAYLOAD', 'FU-A without FU header');
      this.fragment(p[1] & 0x80, p[1] & 0x40, Uint8Array.of((p[0] & 0xe0) | (p[1] & 0x1f)), p.subarray(2));
    }
    // STAP-B, MTAP and FU-B belong to interleaved mode, which we do not offer in SDP: ignored
  }

  private h265(p: Uint8Array): void {
    if (p.length < 2) return;
    const type = (p[0] >> 1) & 0x3f;
    if (type === H265_NAL.ap) {
      this.aggregate(p, 2);
    } else if (type === H265_NAL.fu) {
      if (p.length < 3) throw new ProtocolError('RTP_BAD_PAYLOAD', 'H.265 FU without FU header');
      this.fragment(p[2] & 0x80, p[2] & 0x40, Uint8Array.of((p[0] & 0x81) | ((p[2] & 0x3f) << 1), p[1]), p.subarray(3));
    } else if (type < 48) {
      this.add(p);
    }
  }

  /** STAP-A / AP: 16-bit size before each NAL unit. */
  private aggregate(p: Uint8Array, headerSize: number): void {
    let o = headerSize;
    while (o < p.length) {
      if (o + 2 > p.length) throw new ProtocolError('RTP_BAD_PAYLOAD', 'aggregation unit size truncated');
      const size = (p[o] << 8) | p[o + 1];
      o += 2;
      if (size === 0 || o + size > p.length) throw new ProtocolError('RTP_BAD_PAYLOAD', `aggregated NAL size ${size} past the end of ${p.length} bytes`);
      this.add(p.subarray(o, o + size));
      o += size;
    }
  }

  private fragment(start: number, end: number, header: Uint8Array, data: Uint8Array): void {
    if (start) {
      this.fu = [header, data];
      this.fuSize = header.length + data.length;
    } else if (this.fu === undefined) {
      return; // the start was lost: the rest is useless
    } else {
      this.fu.push(data);
      this.fuSize += data.length;
    }
    checkLimit('RTP_FRAME_TOO_LARGE', 'Access unit', this.auSize + this.fuSize, this.maxAu);
    if (end) {
      const nal = new Uint8Array(this.fuSize);
      let o = 0;
      for (const part of this.fu) {
        nal.set(part, o);
        o += part.length;
      }
      this.fu = undefined;
      this.fuSize = 0;
      this.add(nal);
    }
  }

  private flush(out: MediaFrame[]): void {
    const nals = this.nals;
    const ts = this.auTimestamp;
    const fuOpen = this.fu !== undefined;
    const damaged = this.damaged || fuOpen;
    this.nals = [];
    this.auSize = 0;
    this.fu = undefined;
    this.fuSize = 0;
    this.damaged = false;
    if (damaged) {
      // part of this access unit is missing: decoding resumes at the next keyframe
      this.waitKeyframe = true;
      if (nals.length > 0) this.stats.droppedFrames++;
      return;
    }
    if (ts === undefined || nals.length === 0) return;
    const frameNals: Uint8Array[] = [];
    let paramsChanged = false;
    for (const nal of nals) {
      const t = this.codec === 'h264' ? h264NalType(nal) : h265NalType(nal);
      const isParam = this.codec === 'h264' ? t === H264_NAL.sps || t === H264_NAL.pps : t === H265_NAL.vps || t === H265_NAL.sps || t === H265_NAL.pps;
      const isAud = this.codec === 'h264' ? t === H264_NAL.aud : t === H265_NAL.aud;
      if (isAud) continue;
      if (isParam) {
        const old = this.params.get(t);
        if (!old || !same(old, nal)) {
          this.params.set(t, nal.slice());
          paramsChanged = true;
        }
        continue;
      }
      frameNals.push(nal);
    }
    if (paramsChanged) {
      const config = this.buildConfig();
      if (config && (!this.config || !same(config.record, this.config.record))) {
        this.config = config;
        this.configSent = false;
      }
    }
    if (frameNals.length === 0) return;
    const keyframe = isKeyframe(this.codec, frameNals);
    if (this.config === undefined || (this.waitKeyframe && !keyframe)) {
      this.stats.droppedFrames++;
      return;
    }
    this.waitKeyframe = false;
    if (!this.configSent) {
      // frames held under the old configuration leave before the new one
      if (this.dts) out.push(...this.dts.flush());
      out.push(this.config);
      this.configSent = true;
    }
    this.dts ??= new DtsEstimator(this.fixedDepth ?? reorderDepthOf(this.config));
    const ms = this.clock.toMs(ts);
    out.push(...this.dts.push({ kind: 'video', codec: this.codec, dts: ms, pts: ms, keyframe, data: joinAvcc(frameNals) }));
  }

  private buildConfig(): VideoConfig | undefined {
    if (this.codec === 'h264') {
      const sps = this.params.get(H264_NAL.sps);
      const pps = this.params.get(H264_NAL.pps);
      if (!sps || !pps) return undefined;
      const info = parseH264Sps(sps);
      return { kind: 'video-config', codec: 'h264', record: buildAvcDecoderConfig([sps], [pps]), width: info.width, height: info.height };
    }
    const vps = this.params.get(H265_NAL.vps);
    const sps = this.params.get(H265_NAL.sps);
    const pps = this.params.get(H265_NAL.pps);
    if (!vps || !sps || !pps) return undefined;
    const info = parseH265Sps(sps);
    return { kind: 'video-config', codec: 'h265', record: buildHevcDecoderConfig([vps], [sps], [pps]), width: info.width, height: info.height };
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
