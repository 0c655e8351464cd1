import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { HlsSegmenter } from '#ingest/protocols/hls/hls-segmenter.js';
import { tsSegmentWriter } from '#ingest/protocols/hls/ts-segment-writer.js';
import { ffmpegPath, ffprobePath } from '#test/support/ffmpeg.js';
import { syntheticFrames } from '../flv/synthetic-av.js';

function segmentAll(frames: MediaFrame[]): { dir: string; segmenter: HlsSegmenter } {
  const segmenter = new HlsSegmenter({ createWriter: tsSegmentWriter, targetDuration: 1, maxSegments: 10, playlistSegments: 10 });
  for (const f of frames) segmenter.push(f);
  segmenter.end();
  const dir = mkdtempSync(join(tmpdir(), 'sg-hls-'));
  writeFileSync(join(dir, 'index.m3u8'), segmenter.playlist());
  for (const s of segmenter.segments) writeFileSync(join(dir, s.name), s.bytes);
  return { dir, segmenter };
}

describe('HLS with MPEG-TS segments', () => {
  it('writes segments that ffprobe reads alone as h264 + aac starting with a decodable keyframe', () => {
    const frames = syntheticFrames();
    const { dir, segmenter } = segmentAll(frames);
    const seg = segmenter.segments[1]!;
    const next = segmenter.segments[2]!;
    const probe = JSON.parse(
      execFileSync(ffprobePath, ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', join(dir, seg.name)]).toString(),
    ) as { streams: { codec_name: string; nb_read_frames: string; width?: number }[] };
    const byCodec = Object.fromEntries(probe.streams.map((s) => [s.codec_name, s]));
    const videoInSegment = frames.filter((f) => f.kind === 'video' && f.dts >= seg.startDts && f.dts < next.startDts).length;
    expect(byCodec.h264?.width).toBe(160);
    expect(Number(byCodec.h264?.nb_read_frames)).toBe(videoInSegment);
    expect(Number(byCodec.aac?.nb_read_frames)).toBeGreaterThan(0);
  });

  it('gives a playlist ffmpeg plays end to end, decoding every video frame', () => {
    const frames = syntheticFrames();
    const { dir } = segmentAll(frames);
    const out = execFileSync(
      ffmpegPath,
      ['-hide_banner', '-v', 'error', '-i', join(dir, 'index.m3u8'), '-map', '0:v', '-f', 'framemd5', '-'],
      { maxBuffer: 16 * 1024 * 1024 },
    ).toString();
    const decoded = out.split('\n').filter((l) => /^\d+,/.test(l)).length;
    expect(decoded).toBe(frames.filter((f) => f.kind === 'video').length);
  });
});
