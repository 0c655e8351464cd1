import type { ReaderEndReason, ReaderSink } from '#ingest/hub/reader-sink.js';
import type { AudioConfig, MediaFrame, VideoConfig } from '#ingest/media/media-frame.js';
import { parseRtcp } from '#ingest/protocols/rtp/rtcp.js';
import { encodeInterleavedFrame } from '#ingest/protocols/rtsp/rtsp-message.js';
import type { RtpUdpPair } from './rtp-udp-ports.js';
import type { RtspPlayStream } from './rtsp-play-stream.js';

/** How often each track gets an RTCP sender report (RFC 3550 §6.2 suggests ~5 s minimum). */
export const RTSP_SENDER_REPORT_INTERVAL_MS = 5000;
/** A UDP player whose kernel send queue holds more than this is blocked (hub backpressure). */
const UDP_MAX_SEND_QUEUE_BYTES = 1024 * 1024;

/** Where one track's packets go. */
export type OutgoingTransport =
  | { readonly kind: 'tcp'; readonly rtpChannel: number; readonly rtcpChannel: number }
  | { readonly kind: 'udp'; readonly pair: RtpUdpPair; readonly host: string; readonly rtpPort: number; readonly rtcpPort: number };

/** A track as DESCRIBE announced it (`trackID=index`). */
export interface OutgoingTrackSpec {
  readonly index: number;
  readonly codec: 'h264' | 'h265' | 'aac' | 'opus';
  readonly payloadType: number;
  readonly clockRate: number;
  readonly kind: 'video' | 'audio';
}

/**
 * The tracks `sdpFromTracks` describes for `configs`: same order, same `trackID=index`, payload
 * types 96… for the codecs RTSP carries here.
 */
export function outgoingTracks(configs: readonly (VideoConfig | AudioConfig)[]): OutgoingTrackSpec[] {
  const out: OutgoingTrackSpec[] = [];
  let pt = 96;
  configs.forEach((c, index) => {
    if (c.kind === 'video-config' && (c.codec === 'h264' || c.codec === 'h265')) {
      out.push({ index, codec: c.codec, payloadType: pt++, clockRate: 90000, kind: 'video' });
    } else if (c.kind === 'audio-config' && (c.codec === 'aac' || c.codec === 'opus')) {
      out.push({ index, codec: c.codec, payloadType: pt++, clockRate: c.codec === 'opus' ? 48000 : c.sampleRate, kind: 'audio' });
    }
  });
  return out;
}

/** What a player needs from its connection. */
export interface RtspPlayerIo {
  /** Writes bytes on the RTSP TCP connection in order; false when its buffer is full. */
  writeTcp(chunks: readonly Buffer[]): boolean;
  /** True while the TCP connection's buffer is over its high-water mark. */
  tcpNeedsDrain(): boolean;
  /** Sends the deferred PLAY response once the first frame's time is known (rtptime per track). */
  onFirstFrame(rtpTimes: ReadonlyMap<number, number>): void;
  /** The hub ended this reader. */
  onEnd(reason: ReaderEndReason): void;
  /** The publisher left (RTSP has no in-band notice: the connection decides). */
  onUnpublish(): void;
  /** A UDP player's kernel send queue emptied: its subscription may take frames again. */
  resumeReading(): void;
}

interface OutgoingTrack {
  readonly spec: OutgoingTrackSpec;
  readonly transport: OutgoingTransport;
  /** Key of this track's packets in the frames' shared encodings (RtspPlayStream.frameKey). */
  readonly frameKey: string;
  lastReportAt: number;
  sentAny: boolean;
  /** Sequence number of the first packet this player got (RTP-Info). */
  firstSequence: number | undefined;
  /** The last frame of this track the player was sent (a PLAY after PAUSE resumes after it). */
  lastFrame: MediaFrame | undefined;
  /** After PAUSE: the last sequence number sent; the resumed subscription's older frames (the GOP cache again) are skipped. */
  resumeAfter: number | undefined;
}

/**
 * One RTSP player's sending side, as a hub ReaderSink: frames → the stream's shared RTP packets
 * (RtspPlayStream: one SSRC and sequence space per track for every player, each frame packetized
 * once) → interleaved `$` frames on the RTSP connection or UDP datagrams, with RTCP sender reports
 * of its own every few seconds. A player that keeps up writes the tick's shared bytes, one write.
 */
export class RtspPlayer implements ReaderSink {
  readonly protocol = 'rtsp';
  /**
   * What it writes is the stream's RTP, serialized into buffers of its own (RtspPlayStream), so a
   * publisher's slabs may be reused once the hub lets the frames go. A track's `lastFrame` is kept
   * only as the key of its cached packets (a resume's sequence numbers): its bytes are never read again.
   */
  readonly keepsNoFrameViews = true;
  private readonly tracks: OutgoingTrack[] = [];
  private firstSent = false;
  private latestMs = 0;
  private udpBlockedTimer: NodeJS.Timeout | undefined;
  /** Set-up tracks and channels ('' while a track goes over UDP): players of one shape share a tick's bytes. */
  private shape = '';

  constructor(
    readonly id: string,
    private readonly io: RtspPlayerIo,
    /** The stream's shared RTP side (the connection releases it on close). */
    readonly stream: RtspPlayStream,
    /** Wall clock of the sender reports (ms since epoch); tests drive it by hand. */
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds a set-up track (SETUP). */
  addTrack(spec: OutgoingTrackSpec, transport: OutgoingTransport): void {
    this.tracks.push({ spec, transport, frameKey: this.stream.frameKey(spec), lastReportAt: 0, sentAny: false, firstSequence: undefined, lastFrame: undefined, resumeAfter: undefined });
    const tcpOnly = this.tracks.every((t) => t.transport.kind === 'tcp');
    this.shape = tcpOnly ? this.tracks.map((t) => `${t.frameKey}@${t.transport.kind === 'tcp' ? t.transport.rtpChannel : ''}`).join(',') : '';
  }

  /** True once the first frame went out (a PLAY after PAUSE answers at once). */
  get started(): boolean {
    return this.firstSent;
  }

  get trackCount(): number {
    return this.tracks.length;
  }

  /** The set-up tracks with the sequence number of their first packet to this player (RTP-Info). */
  trackStates(): { index: number; seq: number }[] {
    return this.tracks.map((t) => ({ index: t.spec.index, seq: t.firstSequence ?? this.stream.packetizer(t.spec).nextSequence }));
  }

  /**
   * PLAY after PAUSE: the player starts again as on its first PLAY (RTP-Info names the first packet
   * after the pause), and skips what it already sent: the stream's packets are shared, so the GOP
   * cache replayed to the new subscription carries the sequence numbers this player already got.
   */
  prepareResume(): void {
    for (const t of this.tracks) {
      t.firstSequence = undefined;
      if (t.lastFrame === undefined) continue;
      const rtp = this.stream.packets(t.lastFrame, t.spec, t.frameKey);
      if (rtp.packets.length > 0) t.resumeAfter = (rtp.firstSequence + rtp.packets.length - 1) & 0xffff;
    }
    this.firstSent = false;
  }

  /** A UDP transport of this player uses `pair` (the connection releases them on close). */
  udpPairs(): RtpUdpPair[] {
    return this.tracks.flatMap((t) => (t.transport.kind === 'udp' ? [t.transport.pair] : []));
  }

  /** A receiver report or other RTCP from the player (accepted, counted by the caller). */
  static readRtcp(bytes: Uint8Array): number {
    return parseRtcp(bytes).length;
  }

  onPublish(): void {}

  onUnpublish(): void {
    this.io.onUnpublish();
  }

  onEnd(reason: ReaderEndReason): void {
    this.stop();
    this.io.onEnd(reason);
  }

  write(frames: readonly MediaFrame[], shared = false): boolean {
    if (!this.firstSent) this.startWith(frames);
    const now = this.now();
    let tcp: Buffer[] | undefined;
    if (shared && this.shape !== '' && !this.reportDue(now)) {
      // In step and no sender report due: the same bytes as every player of this shape.
      this.noteLiveBatch(frames);
      tcp = this.stream.sharedBatch(this.shape, frames, () => this.encode(frames, now)) as Buffer[];
    } else {
      tcp = this.encode(frames, now);
    }
    let ok = true;
    if (tcp.length > 0) ok = this.io.writeTcp(tcp);
    return ok && !this.io.tcpNeedsDrain() && this.udpFlowing();
  }

  /**
   * The first batch: each track's first packet (RTP-Info seq) and rtptime, handed to the
   * connection, which answers PLAY before any media goes out.
   */
  private startWith(frames: readonly MediaFrame[]): void {
    let first: MediaFrame | undefined;
    for (const f of frames) {
      for (const t of this.tracks) {
        if (f.kind === 'video-config' && t.spec.kind === 'video') this.stream.configure(f, t.spec, t.frameKey);
        if (t.firstSequence !== undefined || f.kind !== t.spec.kind || f.codec !== t.spec.codec) continue;
        const p = this.stream.packets(f, t.spec, t.frameKey);
        if (p.packets.length === 0 || !isNewer(p.firstSequence, t.resumeAfter)) continue;
        t.firstSequence = p.firstSequence;
        first ??= f;
      }
    }
    if (first === undefined || (first.kind !== 'video' && first.kind !== 'audio')) return;
    const ms = first.kind === 'video' ? Math.min(first.dts, first.pts) : first.dts;
    this.firstSent = true;
    this.io.onFirstFrame(new Map(this.tracks.map((t) => [t.spec.index, this.stream.packetizer(t.spec).rtpTimestamp(ms)])));
  }

  /**
   * A shared (live) batch: the latest media time (sender reports), each track's last frame, and the
   * end of any skip after a pause (live frames are newer than everything sent; a skip mark left set
   * would, 32768 packets later, read as "older" in 16-bit order and drop the track's packets).
   */
  private noteLiveBatch(frames: readonly MediaFrame[]): void {
    for (const f of frames) {
      if (f.kind !== 'video' && f.kind !== 'audio') continue;
      this.latestMs = Math.max(this.latestMs, f.kind === 'video' ? f.pts : f.dts);
      for (const t of this.tracks) {
        if (f.kind !== t.spec.kind || f.codec !== t.spec.codec) continue;
        t.lastFrame = f;
        t.resumeAfter = undefined;
      }
    }
  }

  private reportDue(now: number): boolean {
    for (const t of this.tracks) if (!t.sentAny || now - t.lastReportAt >= RTSP_SENDER_REPORT_INTERVAL_MS) return true;
    return false;
  }

  /** This player's bytes for `frames`: the stream's shared per-frame buffers, sender reports when due; UDP sent here. */
  private encode(frames: readonly MediaFrame[], now: number): Buffer[] {
    const tcp: Buffer[] = [];
    for (const f of frames) {
      for (const t of this.tracks) {
        if (f.kind === 'video-config' || f.kind === 'audio-config' || f.kind === 'metadata') {
          if (f.kind === 'video-config' && t.spec.kind === 'video') this.stream.configure(f, t.spec, t.frameKey);
          continue;
        }
        if (f.kind !== t.spec.kind || f.codec !== t.spec.codec) continue;
        const rtp = this.stream.packets(f, t.spec, t.frameKey);
        if (rtp.packets.length === 0) continue;
        if (t.resumeAfter !== undefined) {
          if (!isNewer(rtp.firstSequence, t.resumeAfter)) continue; // sent before the pause
          t.resumeAfter = undefined;
        }
        t.firstSequence ??= rtp.firstSequence;
        t.lastFrame = f;
        this.latestMs = Math.max(this.latestMs, f.kind === 'video' ? f.pts : f.dts);
        if (!t.sentAny || now - t.lastReportAt >= RTSP_SENDER_REPORT_INTERVAL_MS) {
          // One wall-clock ↔ stream-time mapping for every track, so players can align them (§6.4.1).
          this.sendRtcp(t, this.stream.packetizer(t.spec).senderReport(now, this.latestMs), tcp);
          t.lastReportAt = now;
          t.sentAny = true;
        }
        const tr = t.transport;
        if (tr.kind === 'tcp') tcp.push(this.stream.interleaved(f, t.spec, t.frameKey, tr.rtpChannel));
        else for (const p of rtp.packets) tr.pair.rtp.send(p, tr.rtpPort, tr.host);
      }
    }
    return tcp;
  }

  private sendRtcp(t: OutgoingTrack, bytes: Uint8Array, tcp: Buffer[]): void {
    const tr = t.transport;
    if (tr.kind === 'tcp') {
      const framed = encodeInterleavedFrame(tr.rtcpChannel, bytes);
      tcp.push(Buffer.from(framed.buffer, framed.byteOffset, framed.byteLength));
    } else tr.pair.rtcp.send(bytes, tr.rtcpPort, tr.host);
  }

  /** UDP has no 'drain': a full kernel send queue blocks the reader, polled until it empties. */
  private udpFlowing(): boolean {
    if (this.shape !== '') return true; // TCP only: nothing to poll (and no array made per tick)
    const full = this.udpPairs().some((p) => p.rtp.getSendQueueSize() > UDP_MAX_SEND_QUEUE_BYTES);
    if (full && this.udpBlockedTimer === undefined) {
      const poll = (): void => {
        if (this.udpPairs().some((p) => p.rtp.getSendQueueSize() > UDP_MAX_SEND_QUEUE_BYTES)) {
          this.udpBlockedTimer = setTimeout(poll, 10);
          return;
        }
        this.udpBlockedTimer = undefined;
        this.io.resumeReading();
      };
      this.udpBlockedTimer = setTimeout(poll, 10);
    }
    return !full;
  }

  /** Stops polling (the connection closes the UDP pairs). */
  stop(): void {
    if (this.udpBlockedTimer) clearTimeout(this.udpBlockedTimer);
    this.udpBlockedTimer = undefined;
  }
}

/** True when RTP sequence number `seq` comes after `after` (16-bit serial order), or there is no `after`. */
function isNewer(seq: number, after: number | undefined): boolean {
  if (after === undefined) return true;
  const d = (seq - after) & 0xffff;
  return d !== 0 && d < 0x8000;
}
