import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFlvPayload, type FlvTagType } from '#ingest/media/flv-payload.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { FlvMuxer, SharedFlvBatches, encodeFlvHeader, encodeFlvTag } from '#ingest/protocols/flv/flv-muxer.js';
import { ProtocolError } from '#ingest/protocols/protocol-error.js';
import { ffprobePath } from '#test/support/ffmpeg.js';
import { readFlv, syntheticFrames } from './synthetic-av.js';
import { hex } from '#test/support/feeding.js';

const AVC_CONFIG = hex('01 64 00 0c ff e1 00 04 67 64 00 0c 01 00 04 68 ee 3c 80');

/** Frames → exact FLV bytes. */
const cases: { name: string; frames: MediaFrame[]; bytes: string }[] = [
  {
    name: 'header then an AVC sequence header',
    frames: [{ kind: 'video-config', codec: 'h264', record: AVC_CONFIG }],
    bytes: `
      46 4c 56 01 05 00 00 00 09   # "FLV" v1, audio+video flags, header size 9
      00 00 00 00                  # PreviousTagSize0
      09 00 00 18 00 00 00 00 00 00 00  # video tag, 24-byte body, ts 0, stream 0
      17 00 00 00 00               # keyframe AVC, sequence header, cts 0
      ${Buffer.from(AVC_CONFIG).toString('hex')}
      00 00 00 23                  # PreviousTagSize = 11 + 24
    `,
  },
  {
    name: "timestamps on the stream's timeline, extended byte past 2^24 ms",
    frames: [
      { kind: 'video', codec: 'h264', dts: 1000, pts: 1040, keyframe: true, data: hex('00 00 00 01 65') },
      { kind: 'audio', codec: 'aac', dts: 1000 + 0x1234567, data: hex('21 10') },
    ],
    bytes: `
      46 4c 56 01 05 00 00 00 09 00 00 00 00
      09 00 00 0a 00 03 e8 00 00 00 00  # video, 10 bytes, ts 1000 (the frame's own time)
      17 01 00 00 28 00 00 00 01 65     # keyframe AVC NALU, cts 40
      00 00 00 15
      08 00 00 04 23 49 4f 01 00 00 00  # audio, 4 bytes, ts 1000 + 0x01234567 = 0x0123494f (ext byte 01)
      af 01 21 10                       # AAC raw
      00 00 00 0f
    `,
  },
];

describe('FlvMuxer', () => {
  for (const c of cases) {
    it(`writes ${c.name}`, () => {
      const muxer = new FlvMuxer();
      const out = Buffer.concat(c.frames.map((f) => muxer.push(f)));
      expect(out.toString('hex')).toBe(Buffer.from(hex(c.bytes)).toString('hex'));
    });
  }

  it('announces only the tracks it is told about in the header flags', () => {
    expect(encodeFlvHeader({ audio: false, video: true })[4]).toBe(0x01);
    expect(encodeFlvHeader({ audio: true, video: false })[4]).toBe(0x04);
  });

  it('refuses a tag body the 24-bit size cannot describe', () => {
    expect(() => encodeFlvTag(9, 0, new Uint8Array(0x1000000))).toThrow(ProtocolError);
  });

  it('skips frames without an FLV form', () => {
    const muxer = new FlvMuxer();
    expect(muxer.push({ kind: 'audio-config', codec: 'mp3', record: new Uint8Array(0), sampleRate: 44100, channels: 2 })).toHaveLength(0);
    expect(Buffer.from(muxer.push({ kind: 'metadata', dts: 0, values: { width: 160 } }).subarray(0, 3))).toEqual(Buffer.from(hex('46 4c 56')));
  });

  it("stamps every reader's tags on the stream's timeline, so a late reader's tags are an early one's bytes", () => {
    const frames = syntheticFrames();
    const early = new FlvMuxer();
    const late = new FlvMuxer();
    const firstKey = frames.findIndex((f, i) => i > 10 && f.kind === 'video' && f.keyframe);
    const a = frames.map((f) => early.push(f));
    const configs = frames.filter((f) => f.kind === 'video-config' || f.kind === 'audio-config');
    const b = [...configs, ...frames.slice(firstKey)].map((f) => late.push(f));
    // The same tag objects, not only equal bytes: made once per frame.
    expect(a.at(-1)!.buffer).toBe(b.at(-1)!.buffer);
    const keyframe = frames[firstKey] as { dts: number };
    const tagsB = readFlv(Buffer.concat(b)).tags;
    expect(tagsB.find((t) => t.tagType === 9 && t.body[1] === 1)!.timestamp).toBe(Math.round(keyframe.dts));
  });

  it('hands every reader in step the same Buffer for a shared batch, with the bytes it would have made alone', () => {
    const frames = syntheticFrames();
    const cut = frames.findIndex((f, i) => i > 10 && f.kind === 'video' && f.keyframe);
    const shared = new SharedFlvBatches();
    const readers = [new FlvMuxer(), new FlvMuxer()];
    const alone = new FlvMuxer();
    const start = frames.slice(0, cut);
    for (const r of readers) r.batch(start);
    alone.batch(start);
    const ticks = [frames.slice(cut, cut + 3), frames.slice(cut + 3)];
    for (const tick of ticks) {
      const [x, y] = readers.map((r) => r.batch(tick, shared));
      expect(x).toBe(y);
      expect(x!.equals(alone.batch(tick))).toBe(true);
    }
  });

  it('starts a reader with the file header even when its first batch is a shared one', () => {
    const frames = syntheticFrames();
    const bytes = new FlvMuxer().batch(frames, new SharedFlvBatches());
    expect(readFlv(bytes).tags.length).toBeGreaterThan(0);
  });

  it('round-trips real ffmpeg frames: every muxed tag decodes back to the frame it came from', () => {
    const frames = syntheticFrames();
    const muxer = new FlvMuxer();
    const { flags, tags } = readFlv(Buffer.concat(frames.map((f) => muxer.push(f))));
    expect(flags).toBe(0x05);
    const back = tags.map((t) => decodeFlvPayload(t.tagType as FlvTagType, t.timestamp, t.body));
    expect(back.filter((f) => f?.kind !== 'metadata')).toEqual(frames.filter((f) => f.kind !== 'metadata'));
  });

  it('produces a file ffprobe reads as h264 + aac with all its frames', () => {
    const frames = syntheticFrames();
    const muxer = new FlvMuxer();
    const dir = mkdtempSync(join(tmpdir(), 'sg-flv-'));
    const file = join(dir, 'out.flv');
    writeFileSync(file, Buffer.concat(frames.map((f) => muxer.push(f))));
    const probe = JSON.parse(
      execFileSync(ffprobePath, ['-v', 'error', '-count_packets', '-show_streams', '-of', 'json', file]).toString(),
    ) as { streams: { codec_name: string; nb_read_packets: string; width?: number }[] };
    const byCodec = Object.fromEntries(probe.streams.map((s) => [s.codec_name, s]));
    expect(byCodec.h264?.width).toBe(160);
    expect(Number(byCodec.h264?.nb_read_packets)).toBe(frames.filter((f) => f.kind === 'video').length);
    expect(Number(byCodec.aac?.nb_read_packets)).toBe(frames.filter((f) => f.kind === 'audio').length);
  });
});
