import { describe, expect, it } from 'vitest';
import type { FanOutClock } from '#ingest/hub/fan-out-clock.js';
import { AUDIO_HOLD_MS } from '#ingest/hub/fan-out-scheduler.js';
import { Hub } from '#ingest/hub/hub.js';
import type { ReaderSink } from '#ingest/hub/reader-sink.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';

/** A clock driven by the test: turns run on `turn()`, timers on `advance(ms)`. */
class HandClock implements FanOutClock {
  time = 1000;
  turnRequests = 0;
  timersArmed = 0;
  private turns: (() => void)[] = [];
  private timers: { at: number; run: () => void; cancelled: boolean }[] = [];
  now(): number {
    return this.time;
  }
  nextTurn(run: () => void): void {
    this.turnRequests++;
    this.turns.push(run);
  }
  after(ms: number, run: () => void): () => void {
    this.timersArmed++;
    const timer = { at: this.time + ms, run, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }
  turn(): void {
    const runs = this.turns;
    this.turns = [];
    for (const run of runs) run();
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.time = due.at;
      due.cancelled = true;
      due.run();
    }
    this.time = end;
  }
}

class Sink implements ReaderSink {
  readonly protocol = 'test';
  batches: string[][] = [];
  constructor(readonly id: string) {}
  onPublish(): void {}
  write(frames: readonly MediaFrame[]): boolean {
    this.batches.push(frames.map((f) => `${f.kind === 'video' && f.keyframe ? 'key' : f.kind}@${'dts' in f ? f.dts : '-'}`));
    return true;
  }
  onUnpublish(): void {}
  onEnd(): void {}
}

const frame = (step: string): MediaFrame => {
  const [kind, at] = step.split('@') as [string, string];
  const dts = Number(at);
  if (kind === 'audio') return { kind: 'audio', codec: 'aac', dts, data: new Uint8Array(100) };
  return { kind: 'video', codec: 'h264', dts, pts: dts, keyframe: kind === 'key', data: new Uint8Array(1000) };
};

/** A live stream with `readers` readers in step (their start from the caches already handed over). */
function setup(readers = 1, streams = 1) {
  const clock = new HandClock();
  const hub = new Hub({
    gop: { maxBytes: 1_000_000, maxDurationMs: 10_000 },
    reader: { maxQueueBytes: 1_000_000, maxBlockedMs: 10_000 },
    waitForPublisherMs: 30_000,
    clock,
  });
  const publications = Array.from({ length: streams }, (_, i) => {
    const r = hub.publish(`live/s${i}`, { id: `p${i}`, protocol: 'test', remoteAddress: '127.0.0.1', kick: () => {} });
    if (!r.ok) throw new Error('publish');
    return r.publication;
  });
  const sinks = publications.flatMap((_, i) => Array.from({ length: readers }, (_, k) => {
    const sink = new Sink(`r${i}-${k}`);
    hub.subscribe(`live/s${i}`, sink);
    return sink;
  }));
  clock.turn();
  return { clock, publications, sinks, hub };
}

// Steps: "key@0" / "video@33" / "audio@10" push a frame; "turn" runs the next event-loop turn;
// "+N" lets N ms pass. `batches` is what the reader is written after the first keyframe's batch.
const cases: { name: string; audioOnly?: boolean; steps: string[]; batches: string[][] }[] = [
  {
    name: 'frames pushed in one turn reach the reader as one batch in the next',
    steps: ['video@33', 'audio@40', 'video@66', 'turn'],
    batches: [['video@33', 'audio@40', 'video@66']],
  },
  {
    name: 'audio of a video stream waits for the next video frame and goes with it',
    steps: ['audio@10', 'turn', 'audio@31', 'turn', '+20', 'video@33', 'turn'],
    batches: [['audio@10', 'audio@31', 'video@33']],
  },
  {
    name: `held audio goes on its own when no video came for ${AUDIO_HOLD_MS} ms`,
    steps: ['audio@10', 'turn', `+${AUDIO_HOLD_MS - 1}`, 'turn', '+1', 'turn'],
    batches: [['audio@10']],
  },
  {
    name: 'audio that left with a video frame is not sent again when its hold comes due',
    steps: ['audio@10', 'video@33', 'turn', `+${AUDIO_HOLD_MS}`, 'turn'],
    batches: [['audio@10', 'video@33']],
  },
  {
    name: 'a second hold started after a flush has its own deadline',
    steps: ['audio@10', '+30', 'video@33', 'turn', 'audio@43', '+20', 'turn', '+20', 'turn'],
    batches: [['audio@10', 'video@33'], ['audio@43']],
  },
  {
    name: 'audio of an audio-only stream is not held',
    audioOnly: true,
    steps: ['audio@21', 'turn', 'audio@42', 'turn'],
    batches: [['audio@21'], ['audio@42']],
  },
];

describe('stream fan-out on a hand-driven clock', () => {
  for (const c of cases) {
    it(c.name, () => {
      const { clock, publications, sinks } = setup();
      const pub = publications[0]!;
      pub.push(frame(c.audioOnly ? 'audio@0' : 'key@0'));
      clock.turn();
      const sink = sinks[0]!;
      expect(sink.batches.flat()).toContain(c.audioOnly ? 'audio@0' : 'key@0');
      sink.batches = [];
      for (const step of c.steps) {
        if (step === 'turn') clock.turn();
        else if (step.startsWith('+')) clock.advance(Number(step.slice(1)));
        else pub.push(frame(step));
      }
      expect(sink.batches).toEqual(c.batches);
    });
  }

  it('flushes every stream that got frames in a turn with one turn request, not one per stream', () => {
    const { clock, publications, sinks } = setup(2, 50);
    for (const pub of publications) pub.push(frame('key@0'));
    clock.turn();
    const before = clock.turnRequests;
    for (const pub of publications) pub.push(frame('video@33'));
    expect(clock.turnRequests - before).toBe(1);
    clock.turn();
    for (const sink of sinks) expect(sink.batches.at(-1)).toEqual(['video@33']);
  });

  it('bounds the held audio of every stream with one timer, not one per stream', () => {
    const { clock, publications, sinks } = setup(1, 50);
    for (const pub of publications) pub.push(frame('key@0'));
    clock.turn();
    for (const sink of sinks) sink.batches = [];
    const armed = clock.timersArmed;
    for (const pub of publications) pub.push(frame('audio@10'));
    clock.turn();
    expect(clock.timersArmed - armed).toBe(1);
    clock.advance(AUDIO_HOLD_MS);
    for (const sink of sinks) expect(sink.batches).toEqual([['audio@10']]);
  });

  it("hands a publisher read's frames to the reader at the read's end, without a turn of the loop", () => {
    const { clock, publications, sinks, hub } = setup();
    publications[0]!.push(frame('key@0'));
    clock.turn();
    sinks[0]!.batches = [];
    const turns = clock.turnRequests;
    hub.beginInput();
    publications[0]!.push(frame('audio@10'));
    publications[0]!.push(frame('video@33'));
    expect(sinks[0]!.batches).toEqual([]);
    hub.endInput();
    expect(sinks[0]!.batches).toEqual([['audio@10', 'video@33']]);
    expect(clock.turnRequests).toBe(turns);
  });

  it('arms no hold timer for audio that a video frame of the same read sends on', () => {
    const { clock, publications, sinks, hub } = setup();
    publications[0]!.push(frame('key@0'));
    clock.turn();
    sinks[0]!.batches = [];
    const armed = clock.timersArmed;
    for (const t of [10, 43, 76]) {
      hub.beginInput();
      publications[0]!.push(frame(`audio@${t}`));
      publications[0]!.push(frame(`video@${t + 23}`));
      hub.endInput();
      clock.advance(33);
    }
    expect(clock.timersArmed).toBe(armed);
    expect(sinks[0]!.batches).toEqual([['audio@10', 'video@33'], ['audio@43', 'video@66'], ['audio@76', 'video@99']]);
  });

  /** A keyframe sent, then one read that brings audio alone: it is held when the read ends. */
  const audioHeldByARead = () => {
    const parts = setup();
    parts.publications[0]!.push(frame('key@0'));
    parts.clock.turn();
    parts.sinks[0]!.batches = [];
    parts.hub.beginInput();
    parts.publications[0]!.push(frame('audio@10'));
    parts.hub.endInput();
    return parts;
  };

  it(`still sends audio held at the end of a read within ${AUDIO_HOLD_MS} ms when the publisher goes silent`, () => {
    const { clock, sinks } = audioHeldByARead();
    clock.turn();
    clock.advance(AUDIO_HOLD_MS - 1);
    clock.turn();
    expect(sinks[0]!.batches).toEqual([]);
    clock.advance(1);
    expect(sinks[0]!.batches).toEqual([['audio@10']]);
  });

  it('sends held audio past its bound at the end of the next read, before the timer', () => {
    const { clock, sinks, hub } = audioHeldByARead();
    clock.time += AUDIO_HOLD_MS; // the loop was late: the timer has not run yet
    hub.beginInput();
    hub.endInput();
    expect(sinks[0]!.batches).toEqual([['audio@10']]);
  });

  it("leaves a reader catching up from the GOP cache to its loop turn when another connection's read ends", () => {
    const { clock, publications, hub } = setup();
    const big = (kind: 'key' | 'video', dts: number): MediaFrame =>
      ({ kind: 'video', codec: 'h264', dts, pts: dts, keyframe: kind === 'key', data: new Uint8Array(100_000) });
    publications[0]!.push(big('key', 0));
    for (const dts of [33, 66, 99]) publications[0]!.push(big('video', dts));
    clock.turn();
    const late = new Sink('late');
    hub.subscribe('live/s0', late);
    clock.turn(); // its first slice of the GOP (at most MAX_BATCH_BYTES)
    const slices = late.batches.length;
    expect(slices).toBeGreaterThan(0);
    hub.beginInput(); // a read of another connection (a new player's handshake), no frames in it
    hub.endInput();
    expect(late.batches.length).toBe(slices);
    clock.turn();
    expect(late.batches.length).toBe(slices + 1);
  });
});
