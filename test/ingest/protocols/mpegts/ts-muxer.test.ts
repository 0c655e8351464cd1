import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MediaFrame, TimedFrame } from '#ingest/media/media-frame.js';
import { TsDemuxer } from '#ingest/protocols/mpegts/ts-demuxer.js';
import { TsMuxer } from '#ingest/protocols/mpegts/ts-muxer.js';
import { ffprobePath } from '#test/support/ffmpeg.js';
import { expectCode } from '#test/support/expect-code.js';

function demuxFrames(bytes: Uint8Array): MediaFrame[] {
  const d = new TsDemuxer();
  return [...d.push(bytes), ...d.end()].flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
}

function remux(fixture: string, video: 'h264' | 'h265'): { frames: MediaFrame[]; out: Uint8Array } {
  const frames = demuxFrames(new Uint8Array(readFileSync(new URL(`../../../fixtures/ts/${fixture}`, import.meta.url))));
  const muxer = new TsMuxer({ video, audio: 'aac', serviceName: 'remuxed' });
  const parts = frames.map((f) => muxer.push(f));
  return { frames, out: new Uint8Array(Buffer.concat(parts)) };
}

function probe(bytes: Uint8Array): { streams: { codec_name: string; nb_read_frames: string; width?: number }[]; programs: { tags?: { service_name?: string } }[] } {
  const dir = mkdtempSync(join(tmpdir(), 'tsmux-'));
  const file = join(dir, 'out.ts');
  writeFileSync(file, bytes);
  const json = execFileSync(ffprobePath, ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,nb_read_frames,width:program_tags=service_name', '-of', 'json', file]);
  return JSON.parse(json.toString());
}

describe('TsMuxer', () => {
  for (const [fixture, video, codecName] of [
    ['h264-aac.ts', 'h264', 'h264'],
    ['h265-aac.ts', 'h265', 'hevc'],
  ] as const) {
    it(`writes ${video}/AAC that ffprobe decodes frame for frame`, () => {
      const { out } = remux(fixture, video);
      expect(out.length % 188).toBe(0);
      const info = probe(out);
      expect(info.programs[0].tags?.service_name).toBe('remuxed');
      const byCodec = Object.fromEntries(info.streams.map((s) => [s.codec_name, s]));
      expect(byCodec[codecName].nb_read_frames).toBe('10');
      expect(byCodec[codecName].width).toBe(160);
      expect(byCodec.aac.nb_read_frames).toBe('45');
    });

    it(`writes ${video} that our demuxer reads back to the same frames`, () => {
      const { frames, out } = remux(fixture, video);
      const again = demuxFrames(out);
      for (const kind of ['video', 'audio']) {
        const before = frames.filter((f): f is TimedFrame => f.kind === kind);
        const after = again.filter((f): f is TimedFrame => f.kind === kind);
        expect(after).toHaveLength(before.length);
        after.forEach((f, i) => {
          // timestamps go through the 90 kHz clock: equal to within one tick
          expect(f.dts).toBeCloseTo(before[i].dts, 1);
          expect({ ...f, dts: 0, pts: 0 }).toEqual({ ...before[i], dts: 0, pts: 0 });
        });
      }
    });
  }

  it('keeps continuity counters running and every packet in sync', () => {
    const { out } = remux('h264-aac.ts', 'h264');
    const last = new Map<number, number>();
    for (let o = 0; o < out.length; o += 188) {
      expect(out[o]).toBe(0x47);
      const pid = ((out[o + 1] & 0x1f) << 8) | out[o + 2];
      const cc = out[o + 3] & 0x0f;
      if (last.has(pid)) expect(cc).toBe((last.get(pid)! + 1) & 15);
      last.set(pid, cc);
    }
  });

  it('writes an audio-only program with PCR on the audio PID that ffprobe decodes', () => {
    const frames = demuxFrames(new Uint8Array(readFileSync(new URL('../../../fixtures/ts/h264-aac.ts', import.meta.url))));
    const muxer = new TsMuxer({ audio: 'aac' });
    const out = new Uint8Array(Buffer.concat(frames.map((f) => muxer.push(f))));
    const info = probe(out);
    expect(info.streams.map((s) => [s.codec_name, s.nb_read_frames])).toEqual([['aac', '45']]);
  });

  it('refuses codecs MPEG-TS output does not carry', () => {
    expectCode(() => new TsMuxer({ video: 'vp9' }), 'TS_UNSUPPORTED_CODEC');
  });
});
