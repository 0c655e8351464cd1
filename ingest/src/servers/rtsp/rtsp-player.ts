import { randomInt } from 'node:crypto';
import type { ReaderEndReason, ReaderSink } from '#ingest/hub/reader-sink.js';
import type { AudioConfig, MediaFrame, VideoConfig } from '#ingest/media/media-frame.js';
import { parseRtcp } from '#ingest/protocols/rtp/rtcp.js';
import { serializeRtpPacket } from '#ingest/protocols/rtp/rtp-packet.js';
import { RtpTrackPacketizer } from '#ingest/protocols/rtp/rtp-packetizer.js';
import { encodeInterleavedFrame } from '#ingest/protocols/rtsp/rtsp-message.js';
import type { RtpUdpPair } from './rtp-udp-ports.js';

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
  /** Writes bytes on the RTSP TCP connection; false when its buffer is full. */
  writeTcp(chunks: readonly Uint8Array[]): boolean;
  /** True while the TCP connection's buffer is over its high-water mark. */
  tcpNeedsDrain(): boolean;
  /** Sends the deferred PLAY response once the first frame's time is known (rtptime per track). */
  onFirstFrame(rtpTimes: ReadonlyMap<number, number>): void;
  /** The hub ended this reader. */
  onEnd(reason: ReaderEndReason): void;
  /** The publisher left (RTSP has no in-band notice: the connection decides). */
  onUnpublish(): void;
}

interface OutgoingTrack {
  readonly spec: OutgoingTrackSpec;
  readonly transport: OutgoingTransport;
  readonly packetizer: RtpTrackPacketizer;
  lastReportAt: number;
  sentAny: boolean;
}

/**
 * One RTSP player's sending side, as a hub ReaderSink: frames → one RtpTrackPacketizer per set-up
 * track → interleaved `$` frames on the RTSP connection or UDP datagrams, with RTCP sender reports.
 *
 * Packets are not shared between players through `encodedOnce`: every player has its own SSRC,
 * sequence numbers and random timestamp offset (RFC 3550 §5.1, §8), so serialized packets differ
 * per player; only the payload split could be shared, and it costs about what the copy into the
 * packet does.
 */
export class RtspPlayer implements ReaderSink {
  readonly protocol = 'rtsp';
  private readonly tracks: OutgoingTrack[] = [];
  private firstSent = false;
  private latestMs = 0;
  private udpBlockedTimer: NodeJS.Timeout | undefined;
  private resumeHook: (() => void) | undefined;

  constructor(
    readonly id: string,
    private readonly io: RtspPlayerIo,
  ) {}

  /** Adds a set-up track (SETUP). */
  addTrack(spec: OutgoingTrackSpec, transport: OutgoingTransport): void {
    this.tracks.push({
      spec,
      transport,
      packetizer: new RtpTrackPacketizer(spec.codec, {
        payloadType: spec.payloadType,
        clockRate: spec.clockRate,
        ssrc: randomInt(1, 0xffffffff),
        initialSequence: randomInt(0, 0x10000),
        timestampOffset: randomInt(0, 0xffffffff),
      }),
      lastReportAt: 0,
      sentAny: false,
    });
  }

  /** True once the first frame went out (a PLAY after PAUSE answers at once). */
  get started(): boolean {
    return this.firstSent;
  }

  get trackCount(): number {
    return this.tracks.length;
  }

  /** The set-up tracks with their next sequence numbers (RTP-Info). */
  trackStates(): { index: number; seq: number }[] {
    return this.tracks.map((t) => ({ index: t.spec.index, seq: t.packetizer.nextSequence }));
  }

  /** Called by the connection with the subscription's resume (UDP backpressure polling). */
  setResume(resume: () => void): void {
    this.resumeHook = resume;
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

  write(frames: readonly MediaFrame[]): boolean {
    if (!this.firstSent) {
      const first = frames.find((f) => f.kind === 'video' || f.kind === 'audio');
      if (first !== undefined) {
        const ms = first.kind === 'video' ? Math.min(first.dts, first.pts) : first.dts;
        this.firstSent = true;
        this.io.onFirstFrame(new Map(this.tracks.map((t) => [t.spec.index, t.packetizer.rtpTimestamp(ms)])));
      }
    }
    const tcp: Uint8Array[] = [];
    const now = Date.now();
    for (const f of frames) {
      for (const t of this.tracks) {
        if (f.kind === 'video-config' || f.kind === 'audio-config' || f.kind === 'metadata') {
          if (f.kind === 'video-config' && t.spec.kind === 'video') t.packetizer.packetize(f);
          continue;
        }
        if (f.kind !== t.spec.kind || f.codec !== t.spec.codec) continue;
        const packets = t.packetizer.packetize(f);
        if (packets.length === 0) continue;
        this.latestMs = Math.max(this.latestMs, f.kind === 'video' ? f.pts : f.dts);
        if (!t.sentAny || now - t.lastReportAt >= RTSP_SENDER_REPORT_INTERVAL_MS) {
          // One wall-clock ↔ stream-time mapping for every track, so players can align them (§6.4.1).
          this.sendRtcp(t, t.packetizer.senderReport(now, this.latestMs), tcp);
          t.lastReportAt = now;
          t.sentAny = true;
        }
        for (const p of packets) this.sendRtp(t, serializeRtpPacket(p), tcp);
      }
    }
    let ok = true;
    if (tcp.length > 0) ok = this.io.writeTcp(tcp);
    return ok && !this.io.tcpNeedsDrain() && this.udpFlowing();
  }

  private sendRtp(t: OutgoingTrack, bytes: Uint8Array, tcp: Uint8Array[]): void {
    const tr = t.transport;
    if (tr.kind === 'tcp') tcp.push(encodeInterleavedFrame(tr.rtpChannel, bytes));
    else tr.pair.rtp.send(bytes, tr.rtpPort, tr.host);
  }

  private sendRtcp(t: OutgoingTrack, bytes: Uint8Array, tcp: Uint8Array[]): void {
    const tr = t.transport;
    if (tr.kind === 'tcp') tcp.push(encodeInterleavedFrame(tr.rtcpChannel, bytes));
    else tr.pair.rtcp.send(bytes, tr.rtcpPort, tr.host);
  }

  /** UDP has no 'drain': a full kernel send queue blocks the reader, polled until it empties. */
  private udpFlowing(): boolean {
    const full = this.udpPairs().some((p) => p.rtp.getSendQueueSize() > UDP_MAX_SEND_QUEUE_BYTES);
    if (full && this.udpBlockedTimer === undefined) {
      const poll = (): void => {
        if (this.udpPairs().some((p) => p.rtp.getSendQueueSize() > UDP_MAX_SEND_QUEUE_BYTES)) {
          this.udpBlockedTimer = setTimeout(poll, 10);
          return;
        }
        this.udpBlockedTimer = undefined;
        this.resumeHook?.();
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
