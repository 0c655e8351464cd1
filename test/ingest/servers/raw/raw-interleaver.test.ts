import { describe, expect, it } from 'vitest';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { RawInterleaver } from '#ingest/servers/raw/raw-interleaver.js';

const video = (dts: number): MediaFrame => ({ kind: 'video', codec: 'h264', dts, pts: dts, keyframe: false, data: new Uint8Array(1) });
const audio = (dts: number): MediaFrame => ({ kind: 'audio', codec: 'aac', dts, data: new Uint8Array(1) });
const label = (frames: readonly MediaFrame[]) => frames.map((f) => (f.kind === 'audio' || f.kind === 'video' ? `${f.kind[0]}${f.dts}` : f.kind));

function feed(i: RawInterleaver, frames: readonly MediaFrame[]): string[] {
  return [...frames.flatMap((f) => i.push(f)), ...i.flush()].map((f) => label([f])[0]);
}

describe('RawInterleaver', () => {
  it('puts audio that arrives a PES late back between the video frames of its time', () => {
    // ffmpeg mpegts: video 40, 80 ahead of one PES of AAC frames 23..92, then video 120 ahead of AAC 115, 138
    const frames = [audio(0), video(0), video(40), video(80), audio(23), audio(46), audio(69), audio(92), video(120), audio(115), audio(138)];
    expect(feed(new RawInterleaver(), frames)).toEqual(['a0', 'v0', 'a23', 'v40', 'a46', 'a69', 'v80', 'a92', 'a115', 'v120', 'a138']);
  });

  it('sends a config just before the next frame of its track and metadata at once', () => {
    const i = new RawInterleaver();
    const out = label([
      ...i.push({ kind: 'video-config', codec: 'h264', record: new Uint8Array(1) }),
      ...i.push({ kind: 'metadata', dts: 0, values: {} }),
      ...i.push(video(0)),
      ...i.push({ kind: 'audio-config', codec: 'aac', record: new Uint8Array(2), sampleRate: 48000, channels: 2 }),
      ...i.push(audio(5)),
      ...i.flush(),
    ]);
    expect(out).toEqual(['metadata', 'video-config', 'v0', 'audio-config', 'a5']);
  });

  it('does not wait for a track it has never seen (audio-only, video-only; the connection holds the start until both came)', () => {
    const i = new RawInterleaver();
    expect(label(i.push(audio(0)))).toEqual(['a0']);
    expect(label(i.push(audio(23)))).toEqual(['a23']);
  });

  it('lets a track go on alone once the other has been silent for maxDelayMs', () => {
    const i = new RawInterleaver(100);
    expect(label(i.push(audio(0)))).toEqual(['a0']);
    // both tracks seen: video now waits for audio at least as late…
    expect(label(i.push(video(0)))).toEqual([]);
    expect(label(i.push(video(40)))).toEqual([]);
    expect(label(i.push(video(80)))).toEqual([]);
    // …until it is 100 ms behind the newest frame
    expect(label(i.push(video(140)))).toEqual(['v0', 'v40']);
    expect(label(i.flush())).toEqual(['v80', 'v140']);
  });
});
