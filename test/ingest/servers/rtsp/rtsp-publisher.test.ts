import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Publication } from '#ingest/hub/hub.js';
import { frameByteLength, type AudioConfig, type MediaFrame, type VideoConfig } from '#ingest/media/media-frame.js';
import { TsDemuxer } from '#ingest/protocols/mpegts/ts-demuxer.js';
import { RtpTrackPacketizer } from '#ingest/protocols/rtp/rtp-packetizer.js';
import { serializeRtpPacket } from '#ingest/protocols/rtp/rtp-packet.js';
import { sdpFromTracks, trackFromSdpMedia, type SdpTrack } from '#ingest/protocols/sdp/sdp-tracks.js';
import { RtspPublisher } from '#ingest/servers/rtsp/rtsp-publisher.js';

/** The H.264 + AAC capture's frames, its two tracks as an ANNOUNCE would describe them, and an RTP packetizer per track. */
function capture() {
  const d = new TsDemuxer();
  const bytes = new Uint8Array(readFileSync(new URL('../../../fixtures/ts/h264-aac.ts', import.meta.url)));
  const frames = [...d.push(bytes), ...d.end()].flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
  const configs = frames.filter((f): f is VideoConfig | AudioConfig => f.kind === 'video-config' || f.kind === 'audio-config');
  const tracks = sdpFromTracks(configs, { sessionName: 'cam' }).media.map((m) => trackFromSdpMedia(m)!) as SdpTrack[];
  const packetizers = tracks.map((t, i) => new RtpTrackPacketizer(t.codec, { payloadType: t.payloadType, clockRate: t.clockRate, ssrc: i + 1 }));
  const media = frames.filter((f) => f.kind === 'video' || f.kind === 'audio').sort((a, b) => (a as { dts: number }).dts - (b as { dts: number }).dts);
  return { tracks, packetizers, media };
}

function collecting(): Publication & { frames: MediaFrame[] } {
  const frames: MediaFrame[] = [];
  return { path: 'live/cam', frames, push: (f) => frames.push(f), end: () => {} };
}

describe('RtspPublisher track alignment bounds', () => {
  it('a sender without reports whose held frames reach alignMaxHeldBytes is aligned by arrival at once, before the 2 s wait', () => {
    const { tracks, packetizers, media } = capture();
    const sink = collecting();
    const bound = Math.round(media.reduce((n, f) => n + frameByteLength(f), 0) / 4);
    const publisher = new RtspPublisher(tracks, sink, { now: () => 1000, alignMaxHeldBytes: bound });
    let most = 0;
    for (const f of media) {
      const i = f.kind === 'video' ? 0 : 1;
      for (const p of packetizers[i]!.packetize(f)) publisher.onRtp(i, serializeRtpPacket(p));
      most = Math.max(most, publisher.heldBytes);
      if (publisher.stats.alignment !== undefined) break;
    }
    expect(publisher.stats).toMatchObject({ alignment: 'arrival', alignedBy: 'held-bytes' });
    // what was held went out, no more than one frame past the bound was ever kept
    expect(sink.frames.length).toBeGreaterThan(2);
    expect(publisher.heldBytes).toBeLessThan(bound);
    expect(most).toBeLessThan(bound + Math.max(...media.map(frameByteLength)));
  });

  it('the same sender within the bound keeps its frames until the wait is over (the clock does not move here)', () => {
    const { tracks, packetizers, media } = capture();
    const sink = collecting();
    const publisher = new RtspPublisher(tracks, sink, { now: () => 1000, alignMaxHeldBytes: 64 * 1024 * 1024 });
    for (const f of media.slice(0, 40)) {
      const i = f.kind === 'video' ? 0 : 1;
      for (const p of packetizers[i]!.packetize(f)) publisher.onRtp(i, serializeRtpPacket(p));
    }
    expect(publisher.stats.alignment).toBeUndefined();
    expect(sink.frames.filter((f) => f.kind === 'video' || f.kind === 'audio')).toEqual([]);
  });

  it('sender reports from every track align by RTCP, whatever the byte bound', () => {
    const { tracks, packetizers, media } = capture();
    const sink = collecting();
    const publisher = new RtspPublisher(tracks, sink, { now: () => 1000, alignMaxHeldBytes: 20_000 });
    const sent = [false, false];
    for (const f of media) {
      const i = f.kind === 'video' ? 0 : 1;
      for (const p of packetizers[i]!.packetize(f)) publisher.onRtp(i, serializeRtpPacket(p));
      if (!sent[i]) {
        publisher.onRtcp(i, packetizers[i]!.senderReport(5_000_000 + (f as { dts: number }).dts));
        sent[i] = true;
      }
      if (publisher.stats.alignment !== undefined) break;
    }
    expect(publisher.stats.alignment).toBe('rtcp');
    expect(publisher.stats.alignedBy).toBeUndefined();
  });
});
