import type { AudioConfig, MediaFrame } from '#ingest/media/media-frame.js';
import { ProtocolError } from '../protocol-error.js';
import { RtpClock } from './rtp-clock.js';
import type { RtpPacket } from './rtp-packet.js';
import { RtpSequenceCheck } from './rtp-sequence-check.js';
import type { DepacketizerStats } from './rtp-video-depacketizer.js';
import { concatBytes } from '#ingest/media/concat-bytes.js';

/** Largest AAC access unit: the 13-bit AU-size field. */
const MAX_AAC_AU = 0x1fff;

/**
 * AAC (RFC 3640 mode AAC-hbr: 13-bit sizes, 3-bit indexes; several AUs per packet or one AU
 * fragmented over packets) and Opus (RFC 7587: one packet per RTP packet) depacketizer. The
 * AudioConfig from SDP is emitted before the first frame. AAC AUs after the first in a packet are
 * 1024 samples apart.
 */
export class AudioDepacketizer {
  readonly stats: DepacketizerStats = { lostPackets: 0, droppedFrames: 0 };

  /** RTP timestamp of this track's timeline 0 (its first emitted frame), for RTCP sender-report alignment. */
  get rtpBase(): number | undefined {
    return this.clock.firstTimestamp;
  }
  private readonly clock: RtpClock;
  private readonly sequence = new RtpSequenceCheck(this.stats);
  private configSent = false;
  private fragment: { size: number; parts: Uint8Array[]; have: number; timestamp: number } | undefined;

  constructor(private readonly config: AudioConfig, clockRate: number = config.sampleRate) {
    if (config.codec !== 'aac' && config.codec !== 'opus') throw new ProtocolError('RTP_UNSUPPORTED_CODEC', `no RTP depacketizer for ${config.codec}`);
    this.clock = new RtpClock(config.codec === 'opus' ? 48000 : clockRate);
  }

  /** Consumes one packet (in sequence order); returns completed frames. */
  push(packet: RtpPacket): MediaFrame[] {
    const out: MediaFrame[] = [];
    const lost = this.sequence.next(packet.sequenceNumber);
    if (lost < 0) return out;
    if (lost > 0 && this.fragment) {
      // The frame being assembled lost a part.
      this.stats.droppedFrames++;
      this.fragment = undefined;
    }
    if (this.config.codec === 'opus') {
      if (packet.payload.length > 0) this.emit(out, packet.timestamp, packet.payload);
      return out;
    }
    this.aac(out, packet);
    return out;
  }

  private emit(out: MediaFrame[], timestamp: number, data: Uint8Array): void {
    if (!this.configSent) {
      out.push(this.config);
      this.configSent = true;
    }
    out.push({ kind: 'audio', codec: this.config.codec, dts: this.clock.toMs(timestamp), data });
  }

  private aac(out: MediaFrame[], packet: RtpPacket): void {
    const p = packet.payload;
    if (p.length < 2) throw new ProtocolError('RTP_BAD_PAYLOAD', 'AAC payload without AU-headers-length');
    const headerBits = (p[0] << 8) | p[1];
    if (headerBits % 16 !== 0 || headerBits === 0) throw new ProtocolError('RTP_BAD_PAYLOAD', `AU-headers-length ${headerBits} is not a multiple of 16 bits`);
    const count = headerBits / 16;
    let o = 2 + count * 2;
    if (o > p.length) throw new ProtocolError('RTP_BAD_PAYLOAD', `${count} AU headers past the end of ${p.length} bytes`);
    const sizes: number[] = [];
    for (let i = 0; i < count; i++) sizes.push(((p[2 + i * 2] << 8) | p[3 + i * 2]) >> 3);
    if (this.fragment) {
      // continuation of a fragmented AU (§3.2.3.2): one header repeating the full size
      const f = this.fragment;
      if (count !== 1 || sizes[0] !== f.size || packet.timestamp !== f.timestamp) {
        this.stats.droppedFrames++;
        this.fragment = undefined;
      } else {
        const part = p.subarray(o);
        if (f.have + part.length > f.size) throw new ProtocolError('RTP_BAD_PAYLOAD', `AAC fragments exceed the AU size ${f.size}`);
        f.parts.push(part.slice());
        f.have += part.length;
        if (packet.marker || f.have === f.size) {
          this.fragment = undefined;
          if (f.have === f.size) this.emit(out, f.timestamp, concatBytes(f.parts, f.size));
          else this.stats.droppedFrames++;
        }
        return;
      }
    }
    if (count === 1 && sizes[0] > p.length - o) {
      if (sizes[0] > MAX_AAC_AU) throw new ProtocolError('RTP_BAD_PAYLOAD', `AAC AU size ${sizes[0]} > ${MAX_AAC_AU}`);
      this.fragment = { size: sizes[0], parts: [p.slice(o)], have: p.length - o, timestamp: packet.timestamp };
      return;
    }
    for (let i = 0; i < count; i++) {
      if (o + sizes[i] > p.length) throw new ProtocolError('RTP_BAD_PAYLOAD', `AAC AU size ${sizes[i]} past the end of the packet`);
      this.emit(out, (packet.timestamp + i * 1024) >>> 0, p.slice(o, o + sizes[i]));
      o += sizes[i];
    }
  }
}
