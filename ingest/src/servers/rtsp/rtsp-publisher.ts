import type { Publication } from '#ingest/hub/hub.js';
import { frameByteLength, type MediaFrame } from '#ingest/media/media-frame.js';
import { parseRtcp } from '#ingest/protocols/rtp/rtcp.js';
import { AudioDepacketizer } from '#ingest/protocols/rtp/rtp-audio-depacketizer.js';
import { parseRtpPacket, type RtpPacket } from '#ingest/protocols/rtp/rtp-packet.js';
import { RtpReorderBuffer } from '#ingest/protocols/rtp/rtp-reorder-buffer.js';
import { LatmDepacketizer } from '#ingest/protocols/rtp/rtp-latm-depacketizer.js';
import { VideoDepacketizer } from '#ingest/protocols/rtp/rtp-video-depacketizer.js';
import type { SdpTrack } from '#ingest/protocols/sdp/sdp-tracks.js';

/** One announced track being received. */
interface IncomingTrack {
  readonly sdp: SdpTrack;
  readonly depacketizer: VideoDepacketizer | AudioDepacketizer | LatmDepacketizer;
  /** Present for UDP delivery (RFC 3550 gives no order guarantee there). */
  reorder?: RtpReorderBuffer;
  /** Stream-time offset of this track's first packet (wall clock): the fallback A/V alignment. */
  arrivalOffsetMs?: number;
  /** Unix ms (sender's NTP clock) of this track's RTP timestamp `rtpTimestamp`, from its latest sender report. */
  senderReport?: { readonly ntpTimeMs: number; readonly rtpTimestamp: number };
  /** Frames depacketized while the tracks are not aligned yet. */
  held: MediaFrame[];
  packets: number;
}

function depacketizerFor(sdp: SdpTrack): VideoDepacketizer | AudioDepacketizer | LatmDepacketizer {
  if (sdp.codec === 'h264' || sdp.codec === 'h265') {
    return new VideoDepacketizer(sdp.codec, { clockRate: sdp.clockRate, ...(sdp.config?.kind === 'video-config' ? { config: sdp.config } : {}) });
  }
  const config = sdp.config as Extract<MediaFrame, { kind: 'audio-config' }>;
  if (sdp.packetization === 'latm') return new LatmDepacketizer(config, sdp.clockRate, sdp.latmSubFrames);
  return new AudioDepacketizer(config, sdp.clockRate);
}

/** How long (since the first packet) frames wait for every track's sender report before arrival-time alignment. */
export const RTSP_ALIGN_WAIT_MS = 2000;
/** Frames held per track while waiting for sender reports (bounds memory whatever the wait). */
export const RTSP_ALIGN_MAX_HELD_FRAMES = 500;
/** Sender reports that put the tracks further apart than this are not believed. */
export const RTSP_ALIGN_MAX_SKEW_MS = 10_000;
/** Default bound of the frames held while waiting for sender reports (half the default publisher account). */
export const RTSP_ALIGN_DEFAULT_MAX_HELD_BYTES = 12 * 1024 * 1024;

/** Bounds of one RTSP publisher. */
export interface RtspPublisherOptions {
  /** Wall clock (ms). */
  readonly now?: () => number;
  /**
   * Bytes of frames held (all tracks) while waiting for sender reports; past it the tracks are
   * aligned by arrival at once, so a high-bitrate sender is never cut by its pending-bytes account
   * for holding up to RTSP_ALIGN_WAIT_MS of media (2 s of a 100 Mbit/s camera is 25 MB).
   */
  readonly alignMaxHeldBytes?: number;
}

/** Counters a publisher reports when it ends. */
export interface RtspPublisherStats {
  packets: number;
  lostPackets: number;
  droppedFrames: number;
  rtcpPackets: number;
  /** How the tracks were put on one timeline: RTCP sender reports, or first-packet arrival times. */
  alignment?: 'rtcp' | 'arrival';
  /** Why arrival times: the wait ended, or the frames held reached their bound (count or bytes). */
  alignedBy?: 'wait' | 'held-frames' | 'held-bytes' | 'end';
}

/**
 * The receiving side of an RTSP RECORD session: RTP packets per announced track → (reorder for
 * UDP) → depacketizer → MediaFrames on one stream timeline → the hub publication.
 *
 * Each RTP track's clock starts at 0 on its own (its first frame). With several tracks, frames are
 * held until every track has sent an RTCP sender report, whose NTP↔RTP mapping (RFC 3550 §6.4.1)
 * places each track's timeline 0 on the sender's wall clock; the earliest track starts the stream
 * and the others are offset by their distance from it. Arrival time is no substitute: an encoder's
 * muxer interleaves by timestamp, so an audio track that starts 0.5 s into the source arrives
 * together with the first video. A sender without reports (or with ones more than
 * RTSP_ALIGN_MAX_SKEW_MS apart) gets the arrival-time alignment after RTSP_ALIGN_WAIT_MS: a
 * track's first packet is placed at the time elapsed since the session's first packet. Held
 * frames leave interleaved by decode time.
 */
export class RtspPublisher {
  private readonly tracks: IncomingTrack[];
  private startedAt: number | undefined;
  private ended = false;
  /** Bytes of the frames in every track's `held`. */
  private heldFrameBytes = 0;
  readonly stats: RtspPublisherStats = { packets: 0, lostPackets: 0, droppedFrames: 0, rtcpPackets: 0 };

  private readonly now: () => number;
  private readonly alignMaxHeldBytes: number;

  constructor(
    tracks: readonly SdpTrack[],
    private readonly publication: Publication,
    options: RtspPublisherOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.alignMaxHeldBytes = options.alignMaxHeldBytes ?? RTSP_ALIGN_DEFAULT_MAX_HELD_BYTES;
    this.tracks = tracks.map((sdp) => ({
      sdp,
      depacketizer: depacketizerFor(sdp),
      held: [],
      packets: 0,
    }));
    if (this.tracks.length < 2) this.offsets = this.tracks.map(() => 0);
  }

  /** Per-track timeline offsets (ms) once the tracks are aligned. */
  private offsets: number[] | undefined;

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
    if (track.arrivalOffsetMs === undefined) {
      const t = this.now();
      this.startedAt ??= t;
      track.arrivalOffsetMs = t - this.startedAt;
    }
    const ordered = track.reorder ? track.reorder.push(packet) : [packet];
    for (const p of ordered) this.depacketize(track, p);
  }

  /**
   * Bytes held for media not complete yet or not sent yet: reorder buffers (UDP), access units
   * being reassembled, frames held until the tracks are aligned.
   */
  get heldBytes(): number {
    let n = 0;
    for (const t of this.tracks) {
      n += t.reorder?.heldBytes ?? 0;
      if (t.depacketizer instanceof VideoDepacketizer) n += t.depacketizer.heldBytes;
    }
    return n + this.heldFrameBytes;
  }

  /** One RTCP compound packet of track `index` (sender reports, SDES, BYE). */
  onRtcp(index: number, bytes: Uint8Array): void {
    const packets = parseRtcp(bytes);
    this.stats.rtcpPackets++;
    const track = this.tracks[index];
    if (track === undefined || this.ended) return;
    for (const p of packets) if (p.type === 'sr') track.senderReport = { ntpTimeMs: p.ntpTimeMs, rtpTimestamp: p.rtpTimestamp };
    if (this.offsets === undefined) this.tryAlign();
  }

  private depacketize(track: IncomingTrack, packet: RtpPacket): void {
    const frames = track.depacketizer.push(packet);
    if (this.offsets !== undefined) return this.emit(track, frames);
    track.held.push(...frames);
    for (const f of frames) this.heldFrameBytes += frameByteLength(f);
    this.tryAlign();
  }

  /** Aligns the tracks by their sender reports when all are known, else by arrival once waiting is over. */
  private tryAlign(): void {
    const zeros: number[] = [];
    for (const track of this.tracks) {
      const base = track.depacketizer.rtpBase;
      const sr = track.senderReport;
      if (base === undefined || sr === undefined) break;
      // RTP timestamp distance as a signed 32-bit number of clock ticks (wraps, RFC 3550 §5.1)
      zeros.push(sr.ntpTimeMs - (((sr.rtpTimestamp - base) | 0) * 1000) / track.sdp.clockRate);
    }
    if (zeros.length === this.tracks.length) {
      const first = Math.min(...zeros);
      if (Math.max(...zeros) - first <= RTSP_ALIGN_MAX_SKEW_MS) return this.release(zeros.map((z) => z - first), 'rtcp');
    }
    const waited = this.startedAt !== undefined && this.now() - this.startedAt >= RTSP_ALIGN_WAIT_MS;
    const by = waited
      ? 'wait'
      : this.heldFrameBytes > this.alignMaxHeldBytes
        ? 'held-bytes'
        : this.tracks.some((t) => t.held.length > RTSP_ALIGN_MAX_HELD_FRAMES)
          ? 'held-frames'
          : undefined;
    if (by !== undefined) this.releaseByArrival(by);
  }

  private releaseByArrival(by: NonNullable<RtspPublisherStats['alignedBy']>): void {
    this.stats.alignedBy = by;
    this.release(this.tracks.map((t) => t.arrivalOffsetMs ?? 0), 'arrival');
  }

  /** Fixes the offsets and sends the held frames, interleaved by decode time. */
  private release(offsets: number[], how: 'rtcp' | 'arrival'): void {
    this.offsets = offsets;
    this.stats.alignment = how;
    for (;;) {
      let next: IncomingTrack | undefined;
      let nextDts = Infinity;
      for (const [i, t] of this.tracks.entries()) {
        const f = t.held[0];
        if (f === undefined) continue;
        // configuration and metadata leave before the media behind them
        const dts = f.kind === 'video' || f.kind === 'audio' ? f.dts + offsets[i] : -Infinity;
        if (dts < nextDts) {
          next = t;
          nextDts = dts;
        }
      }
      if (next === undefined) return;
      const f = next.held.shift()!;
      this.heldFrameBytes -= frameByteLength(f);
      this.emit(next, [f]);
    }
  }

  private emit(track: IncomingTrack, frames: readonly MediaFrame[]): void {
    const offset = this.offsets?.[this.tracks.indexOf(track)] ?? 0;
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
        if (track.depacketizer instanceof VideoDepacketizer) {
          const tail = track.depacketizer.flushHeld();
          if (this.offsets !== undefined) this.emit(track, tail);
          else {
            track.held.push(...tail);
            for (const f of tail) this.heldFrameBytes += frameByteLength(f);
          }
        }
      } catch {
        // a malformed tail is dropped; the stream ends either way
      }
    }
    // a session shorter than the wait still delivers what it sent
    if (this.offsets === undefined) this.releaseByArrival('end');
    for (const track of this.tracks) {
      this.stats.lostPackets += track.depacketizer.stats.lostPackets + (track.reorder?.lost ?? 0);
      this.stats.droppedFrames += track.depacketizer.stats.droppedFrames;
    }
    this.publication.end();
  }
}
