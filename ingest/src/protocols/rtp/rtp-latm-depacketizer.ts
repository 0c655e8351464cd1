import { concatBytes } from '#ingest/media/concat-bytes.js';
import type { AudioConfig, MediaFrame } from '#ingest/media/media-frame.js';
import { ProtocolError } from '../protocol-error.js';
import { RtpClock } from './rtp-clock.js';
import type { RtpPacket } from './rtp-packet.js';
import { RtpSequenceCheck } from './rtp-sequence-check.js';
import type { DepacketizerStats } from './rtp-video-depacketizer.js';

/**
 * Bytes of audioMuxElements gathered for one RTP timestamp: an AAC frame is at most 6144 bits
 * per channel (ISO/IEC 14496-3 §4.5.3.1), 6 KiB for 8 channels; with several subframes and
 * length bytes, 32 KiB is more than any real element.
 */
export const LATM_MAX_ELEMENT_BYTES = 32 * 1024;

/**
 * MP4A-LATM (RFC 6416 §6.1, cpresent=0) depacketizer: the payloads of one RTP timestamp are
 * joined until the packet with the marker bit (an audioMuxElement may be fragmented over
 * packets), then read as audioMuxElements, each `subFrames` × (PayloadLengthInfo: bytes of 255
 * summed up to the first byte below 255, then that many bytes of AAC frame). Frames after the
 * first are 1024 samples apart. The AudioConfig from the SDP is emitted before the first frame.
 */
export class LatmDepacketizer {
  readonly stats: DepacketizerStats = { lostPackets: 0, droppedFrames: 0 };
  private readonly clock: RtpClock;
  private readonly ticksPerFrame: number;
  private readonly sequence = new RtpSequenceCheck(this.stats);
  private configSent = false;
  private pending: { timestamp: number; parts: Uint8Array[]; size: number } | undefined;

  constructor(
    private readonly config: AudioConfig,
    clockRate: number,
    private readonly subFrames = 1,
  ) {
    this.clock = new RtpClock(clockRate);
    this.ticksPerFrame = Math.round((1024 * clockRate) / config.sampleRate);
  }

  /** RTP timestamp of this track's timeline 0 (its first emitted frame), for RTCP sender-report alignment. */
  get rtpBase(): number | undefined {
    return this.clock.firstTimestamp;
  }

  /** Consumes one packet (in sequence order); returns completed frames. Raises ProtocolError `RTP_BAD_PAYLOAD`. */
  push(packet: RtpPacket): MediaFrame[] {
    const out: MediaFrame[] = [];
    const lost = this.sequence.next(packet.sequenceNumber);
    if (lost < 0) return out;
    if (lost > 0 && this.pending) {
      // The frame being assembled lost a part.
      this.stats.droppedFrames++;
      this.pending = undefined;
    }
    if (this.pending && this.pending.timestamp !== packet.timestamp) {
      // the fragments of the last timestamp never saw their marker
      this.stats.droppedFrames++;
      this.pending = undefined;
    }
    const p = (this.pending ??= { timestamp: packet.timestamp, parts: [], size: 0 });
    if (p.size + packet.payload.length > LATM_MAX_ELEMENT_BYTES) {
      this.pending = undefined;
      throw new ProtocolError('RTP_BAD_PAYLOAD', `LATM element too large: ${p.size + packet.payload.length} > limit ${LATM_MAX_ELEMENT_BYTES}`);
    }
    p.parts.push(packet.payload.slice());
    p.size += packet.payload.length;
    if (!packet.marker) return out;
    this.pending = undefined;
    this.elements(out, p.timestamp, concatBytes(p.parts, p.size));
    return out;
  }

  private elements(out: MediaFrame[], timestamp: number, data: Uint8Array): void {
    let o = 0;
    let n = 0;
    while (o < data.length) {
      for (let s = 0; s < this.subFrames; s++) {
        let length = 0;
        for (;;) {
          if (o >= data.length) throw new ProtocolError('RTP_BAD_PAYLOAD', 'LATM PayloadLengthInfo past the end of the payload');
          const b = data[o++];
          length += b;
          if (b !== 255) break;
        }
        if (o + length > data.length) throw new ProtocolError('RTP_BAD_PAYLOAD', `LATM frame of ${length} bytes past the end of the ${data.length}-byte payload`);
        if (length > 0) this.emit(out, (timestamp + n * this.ticksPerFrame) >>> 0, data.slice(o, o + length));
        o += length;
        n++;
      }
    }
  }

  private emit(out: MediaFrame[], timestamp: number, data: Uint8Array): void {
    if (!this.configSent) {
      out.push(this.config);
      this.configSent = true;
    }
    out.push({ kind: 'audio', codec: 'aac', dts: this.clock.toMs(timestamp), data });
  }
}
