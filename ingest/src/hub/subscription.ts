import { ByteSlab } from '../media/byte-slab.js';
import { frameByteLength, type MediaFrame } from '../media/media-frame.js';
import type { ReaderSink } from './reader-sink.js';

/** Per-reader bounds. */
export interface SubscriptionLimits {
  /** Bytes of frames held back for a blocked reader before it skips to the next keyframe. */
  readonly maxQueueBytes: number;
  /** A reader blocked (not draining) for longer than this is disconnected. */
  readonly maxBlockedMs: number;
}

/**
 * Most bytes of media handed to a sink in one flush (at least one frame goes). A new reader's GOP
 * cache (up to seconds of video) then goes out in slices, one per tick, between the live frames
 * of everyone else instead of as one burst ahead of them (connection storms: bench/rtmp-load.mjs).
 */
export const MAX_BATCH_BYTES = 128 * 1024;

/** Counters of one reader. */
export interface SubscriptionStats {
  framesSent: number;
  framesDropped: number;
  dropEvents: number;
}

/**
 * One reader of a stream. A reader that keeps up takes the stream's shared batch of each tick
 * (`deliver`); one that is behind (starting from the GOP cache, blocked, waiting for a keyframe)
 * has its own bounded queue, handed to the sink in batches of at most MAX_BATCH_BYTES per tick,
 * until it is caught up again. The queue holds its frames' bytes (ByteSlab.hold) until they are
 * written or dropped; a sink that may keep views of them pins them (ByteSlab.pin).
 */
export class Subscription implements SubscriptionStats {
  private queue: MediaFrame[] = [];
  private queueBytes = 0;
  private blockedSince: number | undefined;
  /** Skip audio/video until the next video keyframe (after a drop, or when starting without a GOP). */
  private waitKeyframe = false;
  private closed = false;
  framesSent = 0;
  framesDropped = 0;
  dropEvents = 0;
  readonly since = Date.now();

  constructor(
    readonly sink: ReaderSink,
    private readonly limits: SubscriptionLimits,
    private readonly scheduleFlush: (sub: Subscription) => void,
    private readonly onClose: (sub: Subscription) => void,
  ) {}

  /**
   * The reader's counters: fields of the subscription itself, since `deliver` counts once per reader
   * and tick and a separate object would be one more to fetch per reader (docs/benchmark.md, Round 5).
   */
  get stats(): SubscriptionStats {
    return this;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get isBlocked(): boolean {
    return this.blockedSince !== undefined;
  }

  get queuedBytes(): number {
    return this.queueBytes;
  }

  /**
   * Nothing held back and nothing to wait for: the reader is where the stream is, so it can take the
   * stream's shared batch of each tick (see `deliver`) instead of a queue of its own.
   */
  get caughtUp(): boolean {
    return !this.closed && this.queue.length === 0 && this.blockedSince === undefined && !this.waitKeyframe;
  }

  /**
   * Hands a reader that is caught up the stream's batch of this tick: the same array every such
   * reader gets, so sinks can share what they make of it (one encoding, one buffer, one write per
   * reader). Returns false when the sink is full: the reader is then blocked and queues again.
   */
  deliver(frames: readonly MediaFrame[], now: number): boolean {
    if (this.closed) return true;
    this.framesSent += frames.length;
    if (this.sink.keepsNoFrameViews !== true) ByteSlab.pin(frames);
    if (this.sink.write(frames, true)) return true;
    this.blockedSince = now;
    return false;
  }

  /** Starts the reader at a keyframe: used when no GOP cache could be given. */
  startAtKeyframe(): void {
    this.waitKeyframe = true;
  }

  /** Queues frames for the reader; drops to the next keyframe when the queue is full. */
  enqueue(frame: MediaFrame, isVideoStream: boolean): void {
    if (this.closed) return;
    if (frame.kind === 'video' || frame.kind === 'audio') {
      if (this.waitKeyframe) {
        const starts = frame.kind === 'video' ? frame.keyframe : !isVideoStream;
        if (!starts) {
          this.framesDropped++;
          return;
        }
        this.waitKeyframe = false;
      }
      const size = frameByteLength(frame);
      if (this.queueBytes + size > this.limits.maxQueueBytes) {
        this.dropQueuedMedia();
        this.framesDropped++;
        if (isVideoStream && !(frame.kind === 'video' && frame.keyframe)) {
          this.waitKeyframe = true;
          return;
        }
      }
      this.queueBytes += size;
      ByteSlab.hold(frame);
    }
    this.queue.push(frame);
    this.scheduleFlush(this);
  }

  private dropQueuedMedia(): void {
    // Keep configs and metadata: a reader that lost them could not decode what follows.
    const kept: MediaFrame[] = [];
    for (const f of this.queue) {
      if (f.kind === 'video' || f.kind === 'audio') {
        this.framesDropped++;
        ByteSlab.release(f);
      } else kept.push(f);
    }
    this.queue = kept;
    this.queueBytes = 0;
    this.dropEvents++;
  }

  /**
   * Hands the queued frames to the sink unless it is blocked. Returns true when the reader has been
   * blocked longer than allowed (the caller ends it).
   */
  flush(now: number): boolean {
    if (this.closed) return false;
    if (this.blockedSince !== undefined) return now - this.blockedSince > this.limits.maxBlockedMs;
    if (this.queue.length === 0) return false;
    let batch = this.queue;
    let bytes = 0;
    let count = 0;
    while (count < batch.length && (count === 0 || bytes < MAX_BATCH_BYTES)) {
      const f = batch[count++];
      if (f.kind === 'video' || f.kind === 'audio') bytes += frameByteLength(f);
    }
    if (count < batch.length) {
      this.queue = batch.slice(count);
      batch = batch.slice(0, count);
      this.queueBytes -= bytes;
    } else {
      this.queue = [];
      this.queueBytes = 0;
    }
    this.framesSent += batch.length;
    if (this.sink.keepsNoFrameViews !== true) ByteSlab.pin(batch);
    const ok = this.sink.write(batch, false);
    ByteSlab.releaseAll(batch);
    if (!ok) this.blockedSince = now;
    else if (this.queue.length > 0) this.scheduleFlush(this);
    return false;
  }

  /** The sink drained its buffers: deliver what was held back (or rejoin the stream's batches). */
  resume(): void {
    if (this.closed || this.blockedSince === undefined) return;
    this.blockedSince = undefined;
    this.scheduleFlush(this);
  }

  /** Unsubscribes the reader (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    ByteSlab.releaseAll(this.queue);
    this.queue = [];
    this.queueBytes = 0;
    this.onClose(this);
  }
}
