import { describe, expect, it } from 'vitest';
import { Hub } from '#ingest/hub/hub.js';
import { AUDIO_HOLD_MS } from '#ingest/hub/fan-out-scheduler.js';
import type { ReaderEndReason, ReaderSink } from '#ingest/hub/reader-sink.js';
import { MAX_BATCH_BYTES } from '#ingest/hub/subscription.js';
import type { AudioFrame, MediaFrame, VideoFrame } from '#ingest/media/media-frame.js';

// The fan-out behaviours the benchmark depends on: fewer writes per player, GOP in slices.

const tick = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const video = (dts: number, keyframe: boolean, size = 1000): VideoFrame => ({
  kind: 'video', codec: 'h264', dts, pts: dts, keyframe, data: new Uint8Array(size),
});
const audio = (dts: number): AudioFrame => ({ kind: 'audio', codec: 'aac', dts, data: new Uint8Array(100) });

class BatchSink implements ReaderSink {
  readonly protocol = 'test';
  batches: MediaFrame[][] = [];
  constructor(readonly id: string) {}
  onPublish(): void {}
  write(frames: readonly MediaFrame[]): boolean {
    this.batches.push([...frames]);
    return true;
  }
  onUnpublish(): void {}
  onEnd(_reason: ReaderEndReason): void {}
}

function live() {
  const hub = new Hub({
    gop: { maxBytes: 8_000_000, maxDurationMs: 10_000 },
    reader: { maxQueueBytes: 4_000_000, maxBlockedMs: 10_000 },
    waitForPublisherMs: 30_000,
  });
  const r = hub.publish('live/x', { id: 'p', protocol: 'test', remoteAddress: '127.0.0.1', kick: () => {} });
  if (!r.ok) throw new Error('publish');
  return { hub, pub: r.publication };
}

/** A reader caught up with a keyframe, then one audio frame pushed: what the reader gets next. */
async function audioAfterKeyframe() {
  const { hub, pub } = live();
  pub.push(video(0, true));
  const sink = new BatchSink('r');
  hub.subscribe('live/x', sink);
  await tick();
  sink.batches = [];
  pub.push(audio(10));
  return { pub, sink };
}

describe('hub fan-out', () => {
  it('sends audio of a video stream together with the next video frame in one batch', async () => {
    const { pub, sink } = await audioAfterKeyframe();
    await tick();
    pub.push(audio(31));
    await tick();
    expect(sink.batches).toEqual([]);
    pub.push(video(33, false));
    await tick();
    expect(sink.batches.map((b) => b.map((f) => f.kind))).toEqual([['audio', 'audio', 'video']]);
  });

  it('sends held audio on its own once the hold bound passes without video', async () => {
    const { sink } = await audioAfterKeyframe();
    await sleep(AUDIO_HOLD_MS + 30);
    expect(sink.batches.map((b) => b.map((f) => f.kind))).toEqual([['audio']]);
  });

  it('does not hold audio of an audio-only stream', async () => {
    const { hub, pub } = live();
    const sink = new BatchSink('r');
    hub.subscribe('live/x', sink);
    pub.push(audio(0));
    await tick();
    expect(sink.batches.flat().map((f) => f.kind)).toEqual(['audio']);
  });

  it('hands a late reader its GOP in slices of bounded size, keyframe first, nothing lost', async () => {
    const { hub, pub } = live();
    const frameSize = 40_000;
    const count = 30;
    for (let i = 0; i < count; i++) pub.push(video(i * 33, i === 0, frameSize));
    const sink = new BatchSink('late');
    hub.subscribe('live/x', sink);
    for (let i = 0; i < 20 && sink.batches.flat().length < count; i++) await tick();
    const got = sink.batches.flat() as VideoFrame[];
    expect(got.map((f) => f.dts)).toEqual(Array.from({ length: count }, (_, i) => i * 33));
    expect(got[0].keyframe).toBe(true);
    expect(sink.batches.length).toBeGreaterThan(1);
    for (const b of sink.batches) {
      const bytes = b.reduce((n, f) => n + (f.kind === 'video' ? f.data.byteLength : 0), 0);
      expect(bytes).toBeLessThan(MAX_BATCH_BYTES + frameSize);
    }
  });

  it('always hands over a frame larger than the slice bound', async () => {
    const { hub, pub } = live();
    pub.push(video(0, true, MAX_BATCH_BYTES * 2));
    const sink = new BatchSink('r');
    hub.subscribe('live/x', sink);
    await tick();
    expect(sink.batches.length).toBe(1);
    expect((sink.batches[0][0] as VideoFrame).data.byteLength).toBe(MAX_BATCH_BYTES * 2);
  });
});
