import { describe, expect, it } from 'vitest';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { HlsSegmenter, type HlsEvent, type HlsSegmenterOptions } from '#ingest/protocols/hls/hls-segmenter.js';
import type { SegmentWriter } from '#ingest/protocols/hls/segment-writer.js';
import { syntheticFrames } from '../flv/synthetic-av.js';

/**
 * A stand-in container: `S` at each segment start, then one line per frame (`V<dts>*` for a
 * keyframe, `V<dts>`, `A<dts>`), and `C` lines for configs it was given. Lets tests read back which
 * frames each segment holds.
 */
class TextWriter implements SegmentWriter {
  static made = 0;
  readonly id = ++TextWriter.made;
  configs: string[] = [];
  segmentStart(): Uint8Array {
    return Buffer.from(`S${this.id}|`);
  }
  write(frame: MediaFrame): Uint8Array {
    switch (frame.kind) {
      case 'video':
        return Buffer.from(`V${frame.dts}${frame.keyframe ? '*' : ''}|`);
      case 'audio':
        return Buffer.from(`A${frame.dts}|`);
      case 'video-config':
      case 'audio-config':
        this.configs.push(frame.kind);
        return new Uint8Array(0);
      case 'metadata':
        return Buffer.from('M|');
    }
  }
}

const VCONF: MediaFrame = { kind: 'video-config', codec: 'h264', record: Uint8Array.of(1, 2, 3) };
const ACONF: MediaFrame = { kind: 'audio-config', codec: 'aac', record: Uint8Array.of(0x12, 0x10), sampleRate: 44100, channels: 2 };

/** `seconds` of 10 fps video with a keyframe every `gop` frames and audio every 100 ms, from `t0`. */
function av(seconds: number, gop = 10, t0 = 0): MediaFrame[] {
  const out: MediaFrame[] = [];
  for (let i = 0; i < seconds * 10; i++) {
    const dts = t0 + i * 100;
    out.push({ kind: 'video', codec: 'h264', dts, pts: dts, keyframe: i % gop === 0, data: new Uint8Array(10) });
    out.push({ kind: 'audio', codec: 'aac', dts: dts + 50, data: new Uint8Array(4) });
  }
  return out;
}

function segmenter(options: Partial<HlsSegmenterOptions> = {}): HlsSegmenter {
  return new HlsSegmenter({ createWriter: () => new TextWriter(), targetDuration: 2, ...options });
}

function feed(s: HlsSegmenter, frames: MediaFrame[]): HlsEvent[] {
  return frames.flatMap((f) => s.push(f));
}

function contents(s: HlsSegmenter): string[] {
  return s.segments.map((seg) => Buffer.from(seg.bytes).toString());
}

describe('HlsSegmenter', () => {
  it('writes a version 3 live playlist with target duration, media sequence and 2 s segments cut on keyframes', () => {
    const s = segmenter();
    feed(s, [VCONF, ACONF, ...av(7)]);
    expect(s.playlist()).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        '#EXT-X-TARGETDURATION:2',
        '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXTINF:2.000,',
        '0.ts',
        '#EXTINF:2.000,',
        '1.ts',
        '#EXTINF:2.000,',
        '2.ts',
        '',
      ].join('\n'),
    );
    for (const text of contents(s)) expect(text).toMatch(/^S\d+\|V\d+\*\|/);
    expect(contents(s)[1]).toMatch(/^S\d+\|V2000\*\|A2050\|/);
    expect(s.segment('1.ts')?.startDts).toBe(2000);
    expect(s.segment('9.ts')).toBeUndefined();
  });

  it('drops frames before the first keyframe and starts the first segment on it', () => {
    const s = segmenter();
    const frames = av(5).slice(6); // starts at video dts 300, first keyframe at 1000
    feed(s, frames);
    expect(s.droppedFrames).toBe(14);
    expect(contents(s)[0]).toMatch(/^S\d+\|V1000\*\|/);
  });

  it('evicts the oldest segments by count and advances the media sequence', () => {
    const s = segmenter({ maxSegments: 3, playlistSegments: 2 });
    const events = feed(s, av(13));
    expect(events.filter((e) => e.type === 'segment').map((e) => e.segment.name)).toEqual(['0.ts', '1.ts', '2.ts', '3.ts', '4.ts', '5.ts']);
    expect(events.filter((e) => e.type === 'evicted').map((e) => e.segment.name)).toEqual(['0.ts', '1.ts', '2.ts']);
    expect(s.segments.map((x) => x.name)).toEqual(['3.ts', '4.ts', '5.ts']);
    expect(s.playlist()).toContain('#EXT-X-MEDIA-SEQUENCE:4\n');
    expect(s.playlist()).not.toContain('3.ts');
    expect(s.segment('3.ts')).toBeDefined(); // kept for clients holding the previous playlist
  });

  it('evicts the oldest segments when the byte total is over the bound, keeping at least one', () => {
    const s = segmenter({ maxBytes: 500 });
    feed(s, av(13));
    const sizes = s.segments.map((x) => x.bytes.length);
    expect(s.bytes).toBe(sizes.reduce((a, b) => a + b, 0));
    expect(s.bytes).toBeLessThanOrEqual(500);
    expect(s.segments.length).toBeGreaterThanOrEqual(1);
    expect(s.segments[0]!.sequence).toBeGreaterThan(0);
    const tiny = segmenter({ maxBytes: 1 });
    feed(tiny, av(7));
    expect(tiny.segments).toHaveLength(1);
  });

  it('marks a republish with EXT-X-DISCONTINUITY, a fresh writer and configs replayed', () => {
    const s = segmenter({ maxSegments: 4, playlistSegments: 4 });
    const writers: TextWriter[] = [];
    (s as unknown as { createWriter: () => TextWriter }).createWriter = () => {
      const w = new TextWriter();
      writers.push(w);
      return w;
    };
    feed(s, [VCONF, ACONF, ...av(5)]);
    s.end();
    expect(s.playlist()).toMatch(/#EXT-X-ENDLIST\n$/);
    // The last segment ends at the last frame seen (audio at 4950). The new publisher's clock starts at 0.
    feed(s, av(5, 10, 0));
    const text = s.playlist();
    expect(text).not.toContain('#EXT-X-ENDLIST');
    expect(text).toMatch(/#EXTINF:0\.950,\n2\.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2\.000,\n3\.ts\n/);
    expect(writers).toHaveLength(2);
    expect(writers[1]!.configs).toEqual(['video-config', 'audio-config']);
  });

  it('counts evicted discontinuities in EXT-X-DISCONTINUITY-SEQUENCE', () => {
    const s = segmenter({ maxSegments: 2, playlistSegments: 2 });
    feed(s, av(5));
    s.restart();
    feed(s, av(9, 10, 0));
    expect(s.playlist()).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:1\n');
    expect(s.playlist()).not.toContain('#EXT-X-DISCONTINUITY\n');
  });

  it('starts a new timeline when timestamps jump backwards', () => {
    const s = segmenter();
    feed(s, [...av(5, 10, 100_000), ...av(5, 10, 0)]);
    const text = s.playlist();
    expect(text.match(/#EXT-X-DISCONTINUITY\n/g)).toHaveLength(1);
    expect(s.segments.every((x) => x.duration <= 2.1)).toBe(true);
  });

  it('cuts an audio-only stream on audio frames', () => {
    const s = segmenter();
    const audio: MediaFrame[] = Array.from({ length: 70 }, (_, i) => ({ kind: 'audio', codec: 'aac', dts: i * 100, data: new Uint8Array(4) }));
    feed(s, [ACONF, ...audio]);
    expect(s.segments.map((x) => x.duration)).toEqual([2, 2, 2]);
  });

  it('raises the target duration when a GOP is longer than the target', () => {
    const s = segmenter();
    feed(s, av(12, 30));
    expect(s.segments.map((x) => x.duration)).toEqual([3, 3, 3]);
    expect(s.playlist()).toContain('#EXT-X-TARGETDURATION:3\n');
  });

  it('cuts a segment at the byte bound and resumes at the next keyframe after a discontinuity', () => {
    const s = segmenter({ maxSegmentBytes: 120 });
    feed(s, av(4, 20));
    expect(s.segments.length).toBeGreaterThanOrEqual(2);
    for (const seg of s.segments) expect(seg.bytes.length).toBeLessThanOrEqual(120 + 16);
    expect(s.segments[1]!.discontinuity).toBe(true);
    expect(Buffer.from(s.segments[1]!.bytes).toString()).toMatch(/^S\d+\|V2000\*\|/);
  });

  it('has an empty playlist whose media sequence never goes backwards before the first segment', () => {
    const s = segmenter();
    expect(s.ready).toBe(false);
    expect(s.playlist()).toContain('#EXT-X-MEDIA-SEQUENCE:0\n');
  });

  it('cuts real ffmpeg frames only at keyframes with durations that add up', () => {
    const frames = syntheticFrames();
    const s = new HlsSegmenter({ createWriter: () => new TextWriter(), targetDuration: 1 });
    feed(s, frames);
    s.end();
    const keyDts = new Set(frames.flatMap((f) => (f.kind === 'video' && f.keyframe ? [f.dts] : [])));
    for (const seg of s.segments) expect(keyDts.has(seg.startDts)).toBe(true);
    // Keyframes every 0.4 s, target 1 s → 1.2 s segments.
    expect(s.segments.slice(0, -1).map((x) => x.duration)).toEqual(s.segments.slice(0, -1).map(() => 1.2));
    expect(s.playlist()).toMatch(/#EXT-X-ENDLIST\n$/);
  });
});
