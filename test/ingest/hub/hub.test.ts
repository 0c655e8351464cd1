import { describe, expect, it } from 'vitest';
import { Hub } from '#ingest/hub/hub.js';
import { READERS_PER_TURN } from '#ingest/hub/stream-fan-out.js';
import type { ReaderEndReason, ReaderSink } from '#ingest/hub/reader-sink.js';
import type { MediaFrame, VideoFrame, AudioFrame } from '#ingest/media/media-frame.js';

const tick = () => new Promise((r) => setImmediate(r));
const dtsOf = (f: MediaFrame): number => ('dts' in f ? f.dts : -1);

function video(dts: number, keyframe: boolean, size = 1000): VideoFrame {
  return { kind: 'video', codec: 'h264', dts, pts: dts, keyframe, data: new Uint8Array(size) };
}
function audio(dts: number): AudioFrame {
  return { kind: 'audio', codec: 'aac', dts, data: new Uint8Array(100) };
}

class RecordingSink implements ReaderSink {
  readonly protocol = 'test';
  frames: MediaFrame[] = [];
  batches = 0;
  lastBatch?: readonly MediaFrame[];
  sharedFlags: boolean[] = [];
  events: string[] = [];
  accept = true;
  ended?: ReaderEndReason;
  constructor(readonly id: string) {}
  onPublish(republish: boolean) {
    this.events.push(republish ? 'republish' : 'publish');
  }
  write(frames: readonly MediaFrame[], shared: boolean) {
    this.batches++;
    this.lastBatch = frames;
    this.sharedFlags.push(shared);
    this.frames.push(...frames);
    return this.accept;
  }
  onUnpublish() {
    this.events.push('unpublish');
  }
  onEnd(reason: ReaderEndReason) {
    this.ended = reason;
  }
}

function newHub(overrides: Partial<{ maxQueueBytes: number; maxBlockedMs: number; waitMs: number }> = {}) {
  return new Hub({
    gop: { maxBytes: 1_000_000, maxDurationMs: 10_000 },
    reader: { maxQueueBytes: overrides.maxQueueBytes ?? 1_000_000, maxBlockedMs: overrides.maxBlockedMs ?? 10_000 },
    waitForPublisherMs: overrides.waitMs ?? 30_000,
  });
}

const publisher = (id: string, user?: string) => ({ id, protocol: 'test', remoteAddress: '127.0.0.1', user, kick: () => {} });

/** A live publication on live/x with a reader that will fall behind and one that keeps up. */
function liveWithSlowAndFastReaders(hub: Hub) {
  const r = hub.publish('live/x', publisher('a'));
  if (!r.ok) throw new Error('publish');
  const slow = new RecordingSink('slow');
  const fast = new RecordingSink('fast');
  const subSlow = hub.subscribe('live/x', slow);
  hub.subscribe('live/x', fast);
  return { publication: r.publication, slow, fast, subSlow };
}

describe('Hub', () => {
  it('gives one publisher per path and refuses a second one', () => {
    const hub = newHub();
    const a = hub.publish('live/x', publisher('a'));
    const b = hub.publish('live/x', publisher('b'));
    expect(a.ok).toBe(true);
    expect(b.ok).toBe(false);
    if (!b.ok) expect(b.current.id).toBe('a');
  });

  it('frees the path when the publisher ends', () => {
    const hub = newHub();
    const a = hub.publish('live/x', publisher('a'));
    if (a.ok) a.publication.end();
    expect(hub.isLive('live/x')).toBe(false);
    expect(hub.publish('live/x', publisher('b')).ok).toBe(true);
  });

  it('starts a late reader with metadata, configs and the GOP from the last keyframe', async () => {
    const hub = newHub();
    const r = hub.publish('live/x', publisher('a'));
    if (!r.ok) throw new Error('publish');
    const p = r.publication;
    p.push({ kind: 'metadata', dts: 0, values: { width: 320 } });
    p.push({ kind: 'video-config', codec: 'h264', record: new Uint8Array([1, 2]) });
    p.push({ kind: 'audio-config', codec: 'aac', record: new Uint8Array([0x12, 0x10]), sampleRate: 44100, channels: 2 });
    p.push(video(0, true));
    p.push(video(40, false));
    p.push(video(80, true));
    p.push(audio(90));
    p.push(video(120, false));
    const sink = new RecordingSink('r');
    hub.subscribe('live/x', sink);
    await tick();
    expect(sink.events).toEqual(['publish']);
    expect(sink.frames.map((f) => f.kind)).toEqual(['metadata', 'video-config', 'audio-config', 'video', 'audio', 'video']);
    expect((sink.frames[3] as VideoFrame).dts).toBe(80);
    expect((sink.frames[3] as VideoFrame).keyframe).toBe(true);
  });

  it('delivers each tick of frames to a reader as one batch', async () => {
    const hub = newHub();
    const r = hub.publish('live/x', publisher('a'));
    if (!r.ok) throw new Error('publish');
    const sink = new RecordingSink('r');
    hub.subscribe('live/x', sink);
    await tick();
    sink.batches = 0;
    for (let i = 0; i < 10; i++) r.publication.push(video(i * 40, i === 0));
    await tick();
    expect(sink.batches).toBe(1);
    expect(sink.frames.length).toBe(10);
  });

  it('hands every reader that keeps up the same batch of a tick, so sinks can encode it once', async () => {
    const hub = newHub();
    const r = hub.publish('live/x', publisher('a'));
    if (!r.ok) throw new Error('publish');
    const sinks = [new RecordingSink('a'), new RecordingSink('b'), new RecordingSink('c')];
    for (const s of sinks) hub.subscribe('live/x', s);
    r.publication.push(video(0, true));
    await tick(); // each reader leaves its own start queue and is now in step
    r.publication.push(video(40, false));
    r.publication.push(audio(50));
    await tick();
    const shared = sinks[0]!.lastBatch;
    expect(shared?.map((f) => f.kind)).toEqual(['video', 'audio']);
    for (const s of sinks) expect(s.lastBatch).toBe(shared);
    for (const s of sinks) expect(s.frames.map(dtsOf)).toEqual([0, 40, 50]);
    // the start from the caches was each reader's own batch; the live tick is the shared one
    for (const s of sinks) expect(s.sharedFlags).toEqual([false, true]);
  });

  it('lets a reader that fell behind catch up without a gap and rejoin the shared batches', async () => {
    const { publication, slow, fast, subSlow } = liveWithSlowAndFastReaders(newHub());
    publication.push(video(0, true));
    await tick();
    slow.accept = false;
    publication.push(video(40, false));
    await tick(); // slow takes this batch but reports full: it is blocked now
    for (let i = 2; i <= 5; i++) publication.push(video(i * 40, false));
    await tick();
    expect(slow.frames.map(dtsOf)).toEqual([0, 40]);
    slow.accept = true;
    subSlow.resume();
    await tick();
    expect(slow.frames.map(dtsOf)).toEqual([0, 40, 80, 120, 160, 200]);
    publication.push(video(240, false));
    await tick();
    expect(slow.lastBatch).toBe(fast.lastBatch);
    expect(slow.frames.map(dtsOf)).toEqual(fast.frames.map(dtsOf));
  });

  it('serves a large audience over several event-loop turns, each reader in order', async () => {
    const hub = newHub();
    const r = hub.publish('live/x', publisher('a'));
    if (!r.ok) throw new Error('publish');
    const sinks = Array.from({ length: READERS_PER_TURN * 2 + 10 }, (_, i) => new RecordingSink(`r${i}`));
    for (const s of sinks) hub.subscribe('live/x', s);
    r.publication.push(video(0, true));
    await tick(); // every reader leaves its own start queue: all in step now
    r.publication.push(video(40, false));
    await tick();
    const served = () => sinks.filter((s) => s.frames.length === 2).length;
    expect(served()).toBe(READERS_PER_TURN);
    r.publication.push(video(80, false)); // the next batch waits until the last one reached everyone
    for (let i = 0; i < 5; i++) await tick();
    for (const s of sinks) expect(s.frames.map(dtsOf)).toEqual([0, 40, 80]);
  });

  it('delivers what the publisher sent before telling readers it left', async () => {
    const hub = newHub();
    const r = hub.publish('live/x', publisher('a'));
    if (!r.ok) throw new Error('publish');
    const log: string[] = [];
    const sink = new RecordingSink('r');
    sink.onUnpublish = () => log.push('unpublish');
    const write = sink.write.bind(sink);
    sink.write = (frames, shared) => {
      log.push(...frames.map((f) => `${f.kind}@${'dts' in f ? f.dts : ''}`));
      return write(frames, shared);
    };
    hub.subscribe('live/x', sink);
    r.publication.push(video(0, true));
    await tick();
    r.publication.push(video(40, false));
    r.publication.end();
    expect(log).toEqual(['video@0', 'video@40', 'unpublish']);
  });

  it('holds frames back while a reader is blocked and skips to the next keyframe when its queue is full', async () => {
    const hub = newHub({ maxQueueBytes: 6000 });
    const { publication, slow, fast, subSlow } = liveWithSlowAndFastReaders(hub);
    slow.accept = false;
    publication.push(video(0, true, 200));
    await tick(); // slow is now blocked
    for (let i = 1; i <= 20; i++) publication.push(video(i * 40, false, 200));
    await tick();
    for (let i = 21; i <= 40; i++) publication.push(video(i * 40, false, 200));
    publication.push(video(41 * 40, true, 200));
    publication.push(video(42 * 40, false, 200));
    await tick();
    expect(fast.frames.length).toBe(43);
    expect(slow.frames.length).toBe(1);
    slow.accept = true;
    subSlow.resume();
    await tick();
    const after = slow.frames.slice(1) as VideoFrame[];
    expect(after[0].keyframe).toBe(true);
    expect(after.map(dtsOf)).toEqual([1640, 1680]);
    expect(hub.streamInfo('live/x')!.framesDropped).toBeGreaterThan(0);
  });

  it('disconnects a reader that stays blocked past the deadline without touching others', async () => {
    const hub = newHub({ maxBlockedMs: 0 });
    const r = hub.publish('live/x', publisher('a'));
    if (!r.ok) throw new Error('publish');
    const slow = new RecordingSink('slow');
    const fast = new RecordingSink('fast');
    hub.subscribe('live/x', slow);
    hub.subscribe('live/x', fast);
    slow.accept = false;
    r.publication.push(video(0, true));
    await tick();
    await new Promise((res) => setTimeout(res, 5));
    r.publication.push(video(40, false));
    await tick();
    expect(slow.ended).toBe('slow-reader');
    expect(fast.ended).toBeUndefined();
    expect(hub.streamInfo('live/x')!.readers).toBe(1);
  });

  it('keeps a reader subscribed across unpublish and republish', async () => {
    const hub = newHub();
    const sink = new RecordingSink('r');
    hub.subscribe('live/x', sink);
    expect(sink.events).toEqual([]);
    const a = hub.publish('live/x', publisher('a'));
    if (!a.ok) throw new Error('publish');
    a.publication.end();
    const b = hub.publish('live/x', publisher('b'));
    if (!b.ok) throw new Error('publish');
    expect(sink.events).toEqual(['publish', 'unpublish', 'republish']);
  });

  it('ends a reader that waits longer than the bound for a publisher', async () => {
    const hub = newHub({ waitMs: 20 });
    const sink = new RecordingSink('r');
    hub.subscribe('live/none', sink);
    await new Promise((res) => setTimeout(res, 60));
    expect(sink.ended).toBe('wait-timeout');
    expect(hub.list()).toEqual([]);
  });

  it('starts a reader at the next keyframe when the GOP outgrew the cache', async () => {
    const hub = new Hub({
      gop: { maxBytes: 3000, maxDurationMs: 10_000 },
      reader: { maxQueueBytes: 1_000_000, maxBlockedMs: 10_000 },
      waitForPublisherMs: 1000,
    });
    const r = hub.publish('live/x', publisher('a'));
    if (!r.ok) throw new Error('publish');
    for (let i = 0; i < 10; i++) r.publication.push(video(i * 40, i === 0));
    const sink = new RecordingSink('r');
    hub.subscribe('live/x', sink);
    r.publication.push(video(400, false));
    r.publication.push(video(440, true));
    await tick();
    const v = sink.frames.filter((f): f is VideoFrame => f.kind === 'video');
    expect(v.map(dtsOf)).toEqual([440]);
  });

  it('drops a stream on operator request: publisher kicked, readers ended', () => {
    const hub = newHub();
    let kicked = '';
    const r = hub.publish('live/x', { ...publisher('a'), kick: (reason: string) => (kicked = reason) });
    expect(r.ok).toBe(true);
    const sink = new RecordingSink('r');
    hub.subscribe('live/x', sink);
    expect(hub.drop('live/x')).toBe(true);
    expect(kicked).toMatch(/dropped/);
    expect(sink.ended).toBe('stream-dropped');
    expect(hub.drop('live/unknown')).toBe(false);
  });
});
