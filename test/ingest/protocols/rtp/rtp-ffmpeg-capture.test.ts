import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AudioConfig } from '#ingest/media/media-frame.js';
import { AudioDepacketizer } from '#ingest/protocols/rtp/rtp-audio-depacketizer.js';
import { parseRtpPacket, type RtpPacket } from '#ingest/protocols/rtp/rtp-packet.js';
import { VideoDepacketizer } from '#ingest/protocols/rtp/rtp-video-depacketizer.js';
import { hex } from '#test/support/feeding.js';

/** Records of test/fixtures/rtp/*.rtp: [stream index][16-bit length][RTP packet]. */
function capture(name: string): RtpPacket[][] {
  const b = new Uint8Array(readFileSync(new URL(`../../../fixtures/rtp/${name}`, import.meta.url)));
  const streams: RtpPacket[][] = [[], []];
  for (let o = 0; o < b.length; ) {
    const len = (b[o + 1] << 8) | b[o + 2];
    streams[b[o]].push(parseRtpPacket(b.subarray(o + 3, o + 3 + len)));
    o += 3 + len;
  }
  return streams;
}

describe('ffmpeg RTP capture', () => {
  const [video, audio] = capture('h264-aac.rtp');

  it('depacketizes 10 H.264 frames with in-band parameter sets into a 160x120 config', () => {
    const d = new VideoDepacketizer('h264');
    const out = [...video.flatMap((p) => d.push(p)), ...d.flushHeld()];
    expect(out[0]).toMatchObject({ kind: 'video-config', codec: 'h264', width: 160, height: 120 });
    const frames = out.filter((f) => f.kind === 'video');
    expect(frames).toHaveLength(10);
    expect(frames.filter((f) => f.kind === 'video' && f.keyframe)).toHaveLength(1);
    expect(d.stats).toEqual({ lostPackets: 0, droppedFrames: 0 });
    // x264 High profile with B-frames: DTS derived from the reorder depth rises and never passes PTS
    const timed = frames.flatMap((f) => (f.kind === 'video' ? [f] : []));
    timed.forEach((f, i) => {
      expect(f.dts).toBeLessThanOrEqual(f.pts);
      if (i > 0) expect(f.dts).toBeGreaterThan(timed[i - 1].dts);
    });
    expect(timed.some((f) => f.pts > f.dts)).toBe(true);
  });

  it('depacketizes every AAC AU of the multi-AU packets, 1024 samples apart', () => {
    const config: AudioConfig = { kind: 'audio-config', codec: 'aac', record: hex('120856e500'), sampleRate: 44100, channels: 1 };
    const d = new AudioDepacketizer(config);
    const out = audio.flatMap((p) => d.push(p));
    // ffmpeg's RTP muxer sent 6 packets of 6-7 AUs (it does not flush its last partial packet)
    const announced = audio.reduce((n, p) => n + ((p.payload[0] << 8) | p.payload[1]) / 16, 0);
    expect(announced).toBe(38);
    const frames = out.filter((f) => f.kind === 'audio');
    expect(frames).toHaveLength(38);
    frames.forEach((f, i) => expect(f.dts).toBeCloseTo((i * 1024000) / 44100, 6));
  });
});
