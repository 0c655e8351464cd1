import { readFileSync } from 'node:fs';
import { sleep } from './wait.js';
import type { MediaFrame, VideoFrame } from '#ingest/media/media-frame.js';
import { TsDemuxer } from '#ingest/protocols/mpegts/ts-demuxer.js';

/** Under a quarter of a 64 KiB slab: carved from an RTMP publisher's slabs. */
export const DISTINCT_FRAME_BYTES = 8000;
const GOP = 10;
const FRAME_MS = 33;

/**
 * Video frame i: one H.264 NAL unit (AVCC, a keyframe every 10) whose bytes after its header say
 * i (mod 200), with i itself in two base-200 digits up front. No byte is 0, so the frame survives
 * MPEG-TS's Annex B start codes as it is.
 */
export function distinctVideoFrame(i: number): VideoFrame {
  const data = Buffer.alloc(DISTINCT_FRAME_BYTES, 16 + (i % 200));
  data.writeUInt32BE(DISTINCT_FRAME_BYTES - 4, 0);
  data[4] = i % GOP === 0 ? 0x65 : 0x41;
  data[5] = 16 + (i % 200);
  data[6] = 16 + (Math.floor(i / 200) % 200);
  return { kind: 'video', codec: 'h264', dts: i * FRAME_MS, pts: i * FRAME_MS, keyframe: i % GOP === 0, data };
}

/** Which distinct frame `data` (AVCC) claims to be. */
export function distinctFrameIndex(data: Uint8Array): number {
  return data[5]! - 16 + (data[6]! - 16) * 200;
}

/** A real H.264 decoder configuration (SPS and PPS of the captured fixture), for muxers that parse it. */
export function fixtureVideoConfig(): Extract<MediaFrame, { kind: 'video-config' }> {
  const d = new TsDemuxer();
  const bytes = new Uint8Array(readFileSync(new URL('../fixtures/ts/h264-aac.ts', import.meta.url)));
  for (const e of [...d.push(bytes), ...d.end()]) if (e.type === 'frame' && e.frame.kind === 'video-config') return e.frame;
  throw new Error('no video config in the fixture');
}

/**
 * Frames received (TS-demuxed, possibly rebased) checked against what was sent: the count of
 * those whose bytes or spacing in time differ from the distinct frame they claim to be.
 */
export function wrongDistinctFrames(received: readonly VideoFrame[]): number {
  const first = received[0];
  if (first === undefined) return 0;
  const i0 = distinctFrameIndex(first.data);
  let wrong = 0;
  for (const f of received) {
    const i = distinctFrameIndex(f.data);
    // timestamps go through the 90 kHz clock: equal to within a millisecond
    if (!Buffer.from(f.data).equals(distinctVideoFrame(i).data) || Math.abs(f.dts - first.dts - (i - i0) * FRAME_MS) > 1) wrong++;
  }
  return wrong;
}

/**
 * Sends distinct frames 1 to count - 1 through `send` in bursts of 10 (80 KB) 10 ms apart (about
 * 8 MB/s: a GOP of the publisher's slabs comes and goes every few milliseconds), then waits until
 * `received()` stops growing for 200 ms, or `withinMs` passed.
 */
export async function sendDistinctFramesAndSettle(send: (frame: VideoFrame) => void, count: number, received: () => number, withinMs: number): Promise<void> {
  for (let i = 1; i < count; i++) {
    send(distinctVideoFrame(i));
    if (i % 10 === 9) await sleep(10);
  }
  const until = Date.now() + withinMs;
  let last = -1;
  while (Date.now() < until) {
    await sleep(200);
    if (received() === last) return;
    last = received();
  }
}
