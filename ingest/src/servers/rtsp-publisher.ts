import type { Publication } from '../hub/hub.js';
import type { MediaFrame } from '../media/media-frame.js';
import { parseRtcp } from '../protocols/rtp/rtcp.js';
import { AudioDepacketizer } from '../protocols/rtp/rtp-audio-depacketizer.js';
import { parseRtpPacket, type RtpPacket } from '../protocols/rtp/rtp-packet.js';
import { RtpReorderBuffer } from '../protocols/rtp/rtp-reorder-buffer.js';
import { VideoDepacketizer } from '../protocols/rtp/rtp-video-depacketizer.js';
import type { SdpTrack } from '../protocols/sdp/sdp-tracks.js';

/** One announced track being received. */
interface IncomingTrack {
  readonly sdp: SdpTrack;
  readonly depacketizer: VideoDepacketizer | AudioDepacketizer;
  /** Present for UDP delivery (RFC 3550 gives no order guarantee there). */
  reorder?: RtpReorderBuffer;
  /** Stream-time offset of this track's first packet (wall clock), for A/V alignment. */
  offsetMs?: number;
  packets: number;
}

/** Counters a publisher reports when it ends. */
export interface RtspPublisherStats {
  packets: number;
  lostPackets: number;
  droppedFrames: number;
  rtcpPackets: number;
}

/**
 * The receiving side of an RTSP RECORD session: RTP packets per announced track → (reorder for
 * UDP) → depacketizer → MediaFrames on one stream timeline → the hub publication.
 *
 * Each RTP track's clock starts at 0 on its own. Tracks are aligned on a common wall-clock base:
 * a track's first packet gets the stream time elapsed since the session's first packet of any
 * track (encoders send A/V interleaved in real time, so arrival order is media order within the
 * network jitter). RTCP sender reports are parsed and counted.
 */
export class RtspPublisher {
  private readonly tracks: IncomingTrack[];
  private startedAt: number | undefined;
  private ended = false;
  readonly stats: RtspPublisherStats = { packets: 0, lostPackets: 0, droppedFrames: 0, rtcpPackets: 0 };

  constructor(
    tracks: readonly SdpTrack[],
    private readonly publication: Publication,
    private readonly now: () => number = Date.now,
  ) {
    this.tracks = tracks.map((sdp) => ({
      sdp,
      depacketizer:
        sdp.codec === 'h264' || sdp.codec === 'h265'
          ? new VideoDepacketizer(sdp.codec, { clockRate: sdp.clockRate, ...(sdp.config?.kind === 'video-config' ? { config: sdp.config } : {}) })
          : new AudioDepacketizer(sdp.config as Extract<MediaFrame, { kind: 'audio-config' }>, sdp.clockRate),
      packets: 0,
    }));
  }

  /** Track `index` arrives over UDP: its packets go through a bounded reorder buffer. */
  useReorderBuffer(index: number): void {
    this.tracks[index].reorder ??= new RtpReorderBuffer();
  }

  /** One RTP packet of track `index`. Raises ProtocolError for malformed packets or payloads. */
  onRtp(index: number, bytes: Uint8Array): void {
    const track = this.tracks[index];
    if (track === undefined || this.ended) return;
    const packet = parseRtpPacket(bytes);
    if (packet.payloadType !== track.sdp.payloadType) return; // comfort noise, FEC, …: not ours
    this.stats.packets++;
    track.packets++;
    if (track.offsetMs === undefined) {
      const t = this.now();
      this.startedAt ??= t;
      track.offsetMs = t - this.startedAt;
    }
    const ordered = track.reorder ? track.reorder.push(packet) : [packet];
    for (const p of ordered) this.depacketize(track, p);
  }

  /** One RTCP compound packet of track `index` (sender reports, SDES, BYE). */
  onRtcp(_index: number, bytes: Uint8Array): void {
    parseRtcp(bytes);
    this.stats.rtcpPackets++;
  }

  private depacketize(track: IncomingTrack, packet: RtpPacket): void {
    this.emit(track, track.depacketizer.push(packet));
  }

  private emit(track: IncomingTrack, frames: readonly MediaFrame[]): void {
    const offset = track.offsetMs ?? 0;
    for (const f of frames) {
      if (f.kind === 'video') this.publication.push(offset === 0 ? f : { ...f, dts: f.dts + offset, pts: f.pts + offset });
      else if (f.kind === 'audio') this.publication.push(offset === 0 ? f : { ...f, dts: f.dts + offset });
      else this.publication.push(f);
    }
  }

  /** Delivers what the reorder buffers and DTS estimators still hold, then ends the publication. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const track of this.tracks) {
      try {
        if (track.reorder) for (const p of track.reorder.flush()) this.depacketize(track, p);
        if (track.depacketizer instanceof VideoDepacketizer) this.emit(track, track.depacketizer.flushHeld());
      } catch {
        // a malformed tail is dropped; the stream ends either way
      }
      this.stats.lostPackets += track.depacketizer.stats.lostPackets + (track.reorder?.lost ?? 0);
      this.stats.droppedFrames += track.depacketizer.stats.droppedFrames;
    }
    this.publication.end();
  }
}
