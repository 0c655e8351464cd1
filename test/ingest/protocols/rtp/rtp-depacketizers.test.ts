import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { joinAvcc } from '#ingest/media/annexb.js';
import type { AudioConfig, MediaFrame, TimedFrame, VideoConfig, VideoFrame } from '#ingest/media/media-frame.js';
import { TsDemuxer } from '#ingest/protocols/mpegts/ts-demuxer.js';
import { AudioDepacketizer } from '#ingest/protocols/rtp/rtp-audio-depacketizer.js';
import { RtpClock } from '#ingest/protocols/rtp/rtp-clock.js';
import { parseRtpPacket, serializeRtpPacket, type RtpPacket } from '#ingest/protocols/rtp/rtp-packet.js';
import { RtpTrackPacketizer, packetizeAac, packetizeH264 } from '#ingest/protocols/rtp/rtp-packetizer.js';
import { RtpReorderBuffer } from '#ingest/protocols/rtp/rtp-reorder-buffer.js';
import { VideoDepacketizer } from '#ingest/protocols/rtp/rtp-video-depacketizer.js';
import { hex, seededRandom } from '#test/support/feeding.js';
import { mutate } from '#test/support/fuzz.js';
import { expectCode } from '#test/support/expect-code.js';

function tsFrames(name: string): MediaFrame[] {
  const d = new TsDemuxer();
  const bytes = new Uint8Array(readFileSync(new URL(`../../../fixtures/ts/${name}`, import.meta.url)));
  return [...d.push(bytes), ...d.end()].flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
}

const packet = (seq: number, ts: number, marker: boolean, payload: Uint8Array): RtpPacket => ({ marker, payloadType: 96, sequenceNumber: seq & 0xffff, timestamp: ts, ssrc: 1, csrcs: [], payload, padding: 0 });

/** Relative timeline: the first frame's PTS at 0 (RTP tracks start their own clocks). */
function rebased(frames: VideoFrame[]): { pts: number; dts: number; data: Uint8Array; keyframe: boolean }[] {
  const t0 = frames[0]?.pts ?? 0;
  return frames.map((f) => ({ pts: Math.round(f.pts - t0), dts: Math.round(f.dts - t0), data: f.data, keyframe: f.keyframe }));
}

describe('H.264/H.265 RTP round trip', () => {
  for (const [file, codec] of [
    ['h264-aac.ts', 'h264'],
    ['h265-aac.ts', 'h265'],
  ] as const) {
    it(`packetizes the ${codec} capture at MTU 200 (FU fragments) and depacketizes it back with the encoder's DTS, through a shuffling network`, () => {
      const frames = tsFrames(file);
      const config = frames.find((f): f is VideoConfig => f.kind === 'video-config')!;
      const video = frames.filter((f): f is VideoFrame => f.kind === 'video');
      const sender = new RtpTrackPacketizer(codec, { payloadType: 96, clockRate: 90000, ssrc: 7, mtu: 200, initialSequence: 65500, timestampOffset: 2 ** 32 - 50000 });
      const packets = [config, ...video].flatMap((f) => sender.packetize(f)).map((p) => serializeRtpPacket(p));
      expect(packets.every((p) => p.length <= 200 + 12)).toBe(true);
      // swap neighbours to mimic UDP reordering; the reorder buffer puts them back
      const rand = seededRandom(11);
      for (let i = 0; i + 1 < packets.length; i += 2) if (rand() < 0.5) [packets[i], packets[i + 1]] = [packets[i + 1], packets[i]];
      const reorder = new RtpReorderBuffer(8);
      const depack = new VideoDepacketizer(codec);
      const out = [...[...packets.flatMap((b) => reorder.push(parseRtpPacket(b))), ...reorder.flush()].flatMap((p) => depack.push(p)), ...depack.flushHeld()];
      expect(out[0]).toEqual(config); // in-band parameter sets before the keyframe become the config
      const got = out.filter((f): f is VideoFrame => f.kind === 'video');
      // RTP carries PTS only; the DTS derived from the SPS reorder depth equals what x264 wrote in the TS
      expect(rebased(got)).toEqual(rebased(video));
      expect(depack.stats.lostPackets).toBe(0);
    });
  }

  it('decodes an annotated STAP-A with SPS and PPS followed by an IDR slice', () => {
    const sps = Uint8Array.from(Buffer.from('Z2QACqzZQoR+XARAAAADAEAAAAUDxIllgA==', 'base64'));
    const pps = Uint8Array.from(Buffer.from('aOvjyyLA', 'base64'));
    const stap = new Uint8Array([0x18, 0, sps.length, ...sps, 0, pps.length, ...pps]); // STAP-A (type 24), 16-bit sizes
    const d = new VideoDepacketizer('h264');
    const out = [...d.push(packet(1, 1000, false, stap)), ...d.push(packet(2, 1000, true, hex('65 88 84 00'))), ...d.flushHeld()];
    expect(out.map((f) => f.kind)).toEqual(['video-config', 'video']);
    expect(out[0]).toMatchObject({ width: 160, height: 120 });
    expect(out[1]).toEqual({ kind: 'video', codec: 'h264', dts: 0, pts: 0, keyframe: true, data: joinAvcc([hex('65 88 84 00')]) });
  });

  it('drops frames after a lost packet until the next keyframe', () => {
    const frames = tsFrames('h264-aac.ts');
    const video = frames.filter((f) => f.kind === 'video');
    const sender = new RtpTrackPacketizer('h264', { payloadType: 96, clockRate: 90000, ssrc: 7, mtu: 100 });
    const perFrame = [frames.find((f) => f.kind === 'video-config')!, ...video].map((f) => sender.packetize(f));
    perFrame[3].splice(0, 1); // lose the first packet of the third video frame
    const d = new VideoDepacketizer('h264');
    const got = [...perFrame.flat().flatMap((p) => d.push(p)), ...d.flushHeld()].filter((f) => f.kind === 'video');
    // frames 1-2 pass, 3-10 wait for a keyframe that never comes in this 1 s capture
    expect(got).toHaveLength(2);
    expect(d.stats.lostPackets).toBe(1);
    expect(d.stats.droppedFrames).toBeGreaterThanOrEqual(7);
  });

  it('refuses an access unit growing past the limit', () => {
    const d = new VideoDepacketizer('h264', { maxAccessUnitSize: 1000 });
    const fus = packetizeH264([new Uint8Array(3000).fill(0x41)], 500);
    expectCode(() => fus.forEach((p, i) => d.push(packet(i, 0, false, p))), 'RTP_FRAME_TOO_LARGE');
  });

  it('refuses an aggregation unit whose size lies past the packet', () => {
    expectCode(() => new VideoDepacketizer('h264').push(packet(1, 0, true, hex('18 00ff 6742'))), 'RTP_BAD_PAYLOAD');
  });

  it('only ever raises ProtocolError on mutated payloads', () => {
    const frames = tsFrames('h264-aac.ts');
    const sender = new RtpTrackPacketizer('h264', { payloadType: 96, clockRate: 90000, ssrc: 7, mtu: 120 });
    const payloads = frames.flatMap((f) => sender.packetize(f)).slice(0, 60);
    const rand = seededRandom(9);
    for (const codec of ['h264', 'h265'] as const) {
      for (let run = 0; run < 20; run++) {
        const d = new VideoDepacketizer(codec);
        for (const p of payloads) {
          try {
            d.push({ ...p, payload: mutate(p.payload, rand) });
          } catch (err) {
            expect((err as Error).name).toBe('ProtocolError');
          }
        }
      }
    }
  });
});

describe('AAC and Opus RTP', () => {
  const aacConfig: AudioConfig = { kind: 'audio-config', codec: 'aac', record: hex('1208'), sampleRate: 44100, channels: 1 };

  it('round-trips the AAC capture, fragmenting AUs at MTU 60', () => {
    const frames = tsFrames('h264-aac.ts');
    const audio = frames.filter((f): f is TimedFrame => f.kind === 'audio');
    const sender = new RtpTrackPacketizer('aac', { payloadType: 97, clockRate: 44100, ssrc: 8, mtu: 60 });
    const d = new AudioDepacketizer(aacConfig);
    const out = audio.flatMap((f) => sender.packetize(f)).flatMap((p) => d.push(p));
    expect(out[0]).toEqual(aacConfig);
    const got = out.filter((f): f is TimedFrame => f.kind === 'audio');
    expect(got.map((f) => f.data)).toEqual(audio.map((f) => f.data));
    got.forEach((f, i) => expect(f.dts).toBeCloseTo(audio[i].dts - audio[0].dts, 1));
  });

  it('decodes an annotated packet with two AUs 1024 samples apart', () => {
    const payload = hex(`0020        # AU-headers-length: 32 bits
                         0010 0018   # AU 1: size 2, index 0; AU 2: size 3, delta 0
                         aaaa bbbbbb`);
    const out = new AudioDepacketizer(aacConfig).push({ ...packet(1, 44100, true, payload), payloadType: 97 });
    expect(out).toEqual([aacConfig, { kind: 'audio', codec: 'aac', dts: 0, data: hex('aaaa') }, { kind: 'audio', codec: 'aac', dts: (1024 * 1000) / 44100, data: hex('bbbbbb') }]);
  });

  it('refuses AU sizes past the packet and odd header lengths', () => {
    expectCode(() => new AudioDepacketizer(aacConfig).push(packet(1, 0, true, hex('0020 0010 0100 aaaa'))), 'RTP_BAD_PAYLOAD');
    expectCode(() => new AudioDepacketizer(aacConfig).push(packet(1, 0, true, hex('0011 0010 aa'))), 'RTP_BAD_PAYLOAD');
  });

  it('passes Opus packets through on the 48 kHz clock', () => {
    const opus: AudioConfig = { kind: 'audio-config', codec: 'opus', record: new Uint8Array(0), sampleRate: 48000, channels: 2 };
    const d = new AudioDepacketizer(opus);
    const out = [...d.push(packet(1, 960, true, hex('fc01'))), ...d.push(packet(2, 1920, true, hex('fc02')))];
    expect(out.filter((f) => f.kind === 'audio').map((f) => (f as TimedFrame).dts)).toEqual([0, 20]);
  });

  it('only ever raises ProtocolError on mutated AAC payloads', () => {
    const rand = seededRandom(4);
    const seeds = [packetizeAac(new Uint8Array(30), 1400)[0], packetizeAac(new Uint8Array(300), 100)[0], hex('0020 0010 0018 aaaa bbbbbb')];
    for (let run = 0; run < 500; run++) {
      const d = new AudioDepacketizer(aacConfig);
      try {
        d.push(packet(run, 0, rand() < 0.5, mutate(seeds[run % seeds.length], rand)));
      } catch (err) {
        expect((err as Error).name).toBe('ProtocolError');
      }
    }
  });
});

describe('RtpReorderBuffer', () => {
  const p = (seq: number): RtpPacket => packet(seq, 0, false, new Uint8Array(0));
  const seqs = (ps: RtpPacket[]): number[] => ps.map((x) => x.sequenceNumber);

  it('releases packets in order across the 16-bit wrap', () => {
    const b = new RtpReorderBuffer(4);
    expect(seqs(b.push(p(65534)))).toEqual([65534]);
    expect(seqs(b.push(p(0)))).toEqual([]);
    expect(seqs(b.push(p(65535)))).toEqual([65535, 0]);
  });

  it('drops duplicates and late packets', () => {
    const b = new RtpReorderBuffer(4);
    b.push(p(10));
    b.push(p(11));
    expect(b.push(p(10))).toEqual([]);
    expect(b.discarded).toBe(1);
  });

  it('gives up on a gap once the buffer is full instead of growing', () => {
    const b = new RtpReorderBuffer(4);
    b.push(p(1));
    const released = [3, 4, 5, 6].flatMap((s) => seqs(b.push(p(s))));
    expect(released).toEqual([3, 4, 5, 6]);
    expect(b.lost).toBe(1);
  });

  it('resynchronizes on a jump longer than the window', () => {
    const b = new RtpReorderBuffer(4);
    b.push(p(1));
    expect(seqs(b.push(p(3)))).toEqual([]);
    expect(seqs(b.push(p(30000)))).toEqual([3, 30000]);
  });

  it('holds at most capacity packets under a flood of random sequence numbers', () => {
    const b = new RtpReorderBuffer(64);
    const rand = seededRandom(2);
    for (let i = 0; i < 20000; i++) b.push(p(Math.floor(rand() * 65536)));
    expect(b.flush().length).toBeLessThanOrEqual(64);
  });
});

describe('RtpClock', () => {
  it('maps a 90 kHz clock to ms from the first timestamp, across the 32-bit wrap', () => {
    const c = new RtpClock(90000);
    expect(c.toMs(2 ** 32 - 4500)).toBe(0);
    expect(c.toMs(4500)).toBe(100);
  });
});
