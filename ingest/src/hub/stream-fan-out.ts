import { ByteSlab } from '../media/byte-slab.js';
import type { MediaFrame } from '../media/media-frame.js';
import type { FanOutScheduler, ScheduledFanOut } from './fan-out-scheduler.js';
import type { Subscription } from './subscription.js';

/**
 * Readers served per event-loop turn. A frame for 1000 players is one long turn otherwise: new
 * connections, a late joiner's handshake and every other socket's reads wait behind it (measured:
 * connect answer and late-joiner start at 1000 players, bench/rtmp-load.mjs). Larger audiences get a batch over
 * several turns, in order: the next batch waits until this one reached everyone.
 */
export const READERS_PER_TURN = 256;

interface Delivery {
  readonly batch: readonly MediaFrame[];
  readonly readers: readonly Subscription[];
  next: number;
}

/**
 * How one stream's frames reach its readers, on the hub's scheduler. A batch holds its frames'
 * bytes (ByteSlab.hold) until every reader in step had it. Frames are flushed once per
 * turn: readers that keep up (in step) all get the same batch array (a sink encodes it once and
 * shares the bytes); readers behind get their own bounded queue until they catch up. Audio of a
 * video stream waits for the next video frame (at most the scheduler's hold).
 */
export class StreamFanOut implements ScheduledFanOut {
  /** Readers that are caught up: they take `tick`, the frames since the last flush, as one shared batch. */
  private readonly inStep = new Set<Subscription>();
  /** Every other reader: frames go into its own queue. Every reader is in exactly one of the two. */
  private readonly behind = new Set<Subscription>();
  private tick: MediaFrame[] = [];
  /** A batch being handed to a large audience over several turns (see READERS_PER_TURN). */
  private delivery: Delivery | undefined;
  /** Readers behind with something to flush. */
  private readonly dirty = new Set<Subscription>();
  private flushRequested = false;
  private turnRequested = false;
  /** True while push() queues an audio frame of a video stream (see AUDIO_HOLD_MS). */
  private queueingHeldAudio = false;
  holdDeadline = -1;

  constructor(private readonly scheduler: FanOutScheduler) {}

  get readerCount(): number {
    return this.inStep.size + this.behind.size;
  }

  /** A new reader: it starts behind, with its own queue (metadata, configs, the GOP cache). */
  add(sub: Subscription): void {
    this.behind.add(sub);
  }

  /** A reader left (closed). */
  remove(sub: Subscription): void {
    this.inStep.delete(sub);
    this.behind.delete(sub);
    this.dirty.delete(sub);
  }

  /** A frame of the live timeline: added once to this turn's batch, queued for each reader behind. */
  push(frame: MediaFrame, isVideoStream: boolean): void {
    this.queueingHeldAudio = frame.kind === 'audio' && isVideoStream;
    for (const sub of this.behind) sub.enqueue(frame, isVideoStream);
    if (this.inStep.size > 0) {
      this.tick.push(frame);
      ByteSlab.hold(frame);
      this.requestFlush();
    }
    this.queueingHeldAudio = false;
  }

  /** A reader behind has frames to hand over (or was resumed). */
  markDirty(sub: Subscription): void {
    this.dirty.add(sub);
    this.requestFlush();
  }

  private requestFlush(): void {
    if (this.flushRequested) return;
    if (this.queueingHeldAudio) {
      if (this.holdDeadline < 0) this.holdDeadline = this.scheduler.holdAudio(this);
      return;
    }
    this.flushRequested = true;
    // One flush per turn for all readers: frames that arrive in one read of the publisher's
    // socket reach each reader as one batch (one socket write).
    this.requestTurn();
  }

  private requestTurn(): void {
    if (this.turnRequested) return;
    this.turnRequested = true;
    this.scheduler.nextTurn(this);
  }

  runTurn(now: number): void {
    this.turnRequested = false;
    if (this.flushRequested) this.flush(now);
    else if (this.delivery !== undefined) this.deliverSlice(this.delivery, now);
  }

  /** Hands everything pending to the readers now (also before the publisher's leaving is told). */
  flush(now: number): void {
    this.flushRequested = false;
    this.holdDeadline = -1;
    this.finishDelivery(now);
    if (this.tick.length > 0) {
      const batch = this.tick;
      this.tick = [];
      if (this.inStep.size <= READERS_PER_TURN) {
        for (const sub of this.inStep) this.deliverTo(sub, batch, now);
        ByteSlab.releaseAll(batch);
      } else {
        this.delivery = { batch, readers: [...this.inStep], next: 0 };
        this.deliverSlice(this.delivery, now);
      }
    }
    if (this.dirty.size === 0) return;
    const dirty = [...this.dirty];
    this.dirty.clear();
    for (const sub of dirty) {
      if (sub.flush(now)) {
        sub.close();
        sub.sink.onEnd('slow-reader');
      } else if (sub.caughtUp) {
        this.behind.delete(sub);
        this.inStep.add(sub);
      }
    }
  }

  private deliverTo(sub: Subscription, batch: readonly MediaFrame[], now: number): void {
    if (sub.deliver(batch, now) || !this.inStep.delete(sub)) return;
    this.behind.add(sub); // blocked: it queues from now on
  }

  /** Serves the next READERS_PER_TURN readers of a large audience; the rest in later turns. */
  private deliverSlice(delivery: Delivery, now: number): void {
    this.deliverUpTo(delivery, delivery.next + READERS_PER_TURN, now);
    if (delivery.next === delivery.readers.length) {
      if (this.delivery === delivery) {
        this.delivery = undefined;
        ByteSlab.releaseAll(delivery.batch);
      }
      return;
    }
    this.requestTurn();
  }

  /** A batch still on its way goes to everyone before the next one (readers see frames in order). */
  private finishDelivery(now: number): void {
    const delivery = this.delivery;
    if (delivery === undefined) return;
    this.delivery = undefined;
    this.deliverUpTo(delivery, delivery.readers.length, now);
    ByteSlab.releaseAll(delivery.batch);
  }

  private deliverUpTo(delivery: Delivery, end: number, now: number): void {
    const last = Math.min(end, delivery.readers.length);
    while (delivery.next < last) this.deliverTo(delivery.readers[delivery.next++]!, delivery.batch, now);
  }

  /** Every reader, in step or behind (a copy: callers may end readers while they go through it). */
  readers(): Subscription[] {
    return [...this.inStep, ...this.behind];
  }
}
