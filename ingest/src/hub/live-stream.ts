import type { AudioConfig, MediaFrame, MetadataFrame, VideoConfig } from '../media/media-frame.js';
import { GopCache, type GopCacheLimits } from './gop-cache.js';
import type { PublisherInfo } from './publisher-info.js';
import { Subscription, type SubscriptionLimits } from './subscription.js';
import type { ReaderSink } from './reader-sink.js';

/**
 * Longest time an audio frame of a video stream waits for the next video frame before it is sent
 * on its own. Audio (~47 frames/s for AAC at 48 kHz) rides with the next video frame (30/s) in one
 * write per player instead of a write of its own: fewer syscalls per player (bench/steady-state.sh).
 * Players buffer far more than this; video, which latency is judged by, is never held.
 */
export const AUDIO_HOLD_MS = 40;

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

/** A snapshot of one stream for the admin protocol, metrics and logs. */
export interface StreamInfo {
  readonly path: string;
  readonly live: boolean;
  readonly publisher?: { id: string; protocol: string; remoteAddress: string; user?: string; since: number };
  readonly readers: number;
  readonly readersByProtocol: Record<string, number>;
  readonly framesIn: number;
  readonly bytesIn: number;
  readonly framesDropped: number;
  readonly video?: { codec: string; width?: number; height?: number };
  readonly audio?: { codec: string; sampleRate: number; channels: number };
}

/**
 * One `APP/STREAM` path: at most one publisher, any number of readers, the state a late reader
 * needs (metadata, decoder configs, the GOP cache). Frames are flushed once per tick: readers that
 * keep up all get the same batch array (a sink encodes it once and shares the bytes);
 * readers behind get their own bounded queue until they catch up.
 */
export class LiveStream {
  private publisherInfo: PublisherInfo | undefined;
  private publisherSince = 0;
  private metadata: MetadataFrame | undefined;
  private videoConfig: VideoConfig | undefined;
  private audioConfig: AudioConfig | undefined;
  private readonly gop: GopCache;
  /** Readers that are caught up: they take `tick`, the frames since the last flush, as one shared batch. */
  private readonly inStep = new Set<Subscription>();
  /** Every other reader: frames go into its own queue. Every reader is in exactly one of the two. */
  private readonly behind = new Set<Subscription>();
  private tick: MediaFrame[] = [];
  /** A batch being handed to a large audience over several turns (see READERS_PER_TURN). */
  private delivery: Delivery | undefined;
  /** Readers behind with something to flush. */
  private readonly dirty = new Set<Subscription>();
  private flushScheduled = false;
  /** True while push() queues an audio frame of a video stream (see AUDIO_HOLD_MS). */
  private queueingHeldAudio = false;
  /** One timer per stream (never per reader) bounding how long held audio waits. */
  private holdTimer: NodeJS.Timeout | undefined;
  private hadPublisher = new WeakSet<Subscription>();
  private framesIn = 0;
  private bytesIn = 0;
  private droppedByGone = 0;

  private readonly waitTimers = new Map<Subscription, NodeJS.Timeout>();
  /** flush() bound once: a stream schedules it on every read of its publisher. */
  private readonly flushNow = (): void => this.flush();

  constructor(
    readonly path: string,
    gopLimits: GopCacheLimits,
    private readonly subLimits: SubscriptionLimits,
    /** How long a reader waits for a publisher (before the first one, and after one leaves). */
    private readonly waitForPublisherMs: number,
    private readonly onEmpty: (stream: LiveStream) => void,
    /** Told when the publisher comes and goes and when the reader count changes (relays watch these). */
    private readonly onChange: (stream: LiveStream, change: 'live' | 'unpublished' | 'readers') => void = () => {},
  ) {
    this.gop = new GopCache(gopLimits);
  }

  get publisher(): PublisherInfo | undefined {
    return this.publisherInfo;
  }

  get isLive(): boolean {
    return this.publisherInfo !== undefined;
  }

  get readerCount(): number {
    return this.inStep.size + this.behind.size;
  }

  /** Attaches the publisher. The caller (Hub) has checked there is none. */
  attachPublisher(info: PublisherInfo): void {
    this.publisherInfo = info;
    this.publisherSince = Date.now();
    this.framesIn = 0;
    this.bytesIn = 0;
    for (const sub of this.readers()) this.startReader(sub);
    this.onChange(this, 'live');
  }

  /** Detaches the publisher: readers get onUnpublish and stay subscribed. */
  detachPublisher(info: PublisherInfo): void {
    if (this.publisherInfo !== info) return;
    // What the publisher sent goes out before readers learn it left.
    this.flush();
    this.publisherInfo = undefined;
    this.metadata = undefined;
    this.videoConfig = undefined;
    this.audioConfig = undefined;
    this.gop.clear();
    for (const sub of this.readers()) {
      sub.sink.onUnpublish();
      this.startWaiting(sub);
    }
    this.onChange(this, 'unpublished');
    this.checkEmpty();
  }

  /**
   * A frame from the publisher: kept for late readers, added once to this tick's batch for the
   * readers in step and queued for each reader behind.
   */
  push(frame: MediaFrame): void {
    this.framesIn++;
    switch (frame.kind) {
      case 'metadata':
        this.metadata = frame;
        break;
      case 'video-config':
        this.videoConfig = frame;
        break;
      case 'audio-config':
        this.audioConfig = frame;
        break;
      default:
        this.bytesIn += frame.data.byteLength;
        this.gop.push(frame);
    }
    const isVideo = this.gop.isVideoStream || this.videoConfig !== undefined;
    this.queueingHeldAudio = frame.kind === 'audio' && isVideo;
    for (const sub of this.behind) sub.enqueue(frame, isVideo);
    if (this.inStep.size > 0) {
      this.tick.push(frame);
      this.requestFlush();
    }
    this.queueingHeldAudio = false;
  }

  /** Subscribes a reader; if the stream is live it starts at once from the caches. */
  subscribe(sink: ReaderSink): Subscription {
    const sub = new Subscription(
      sink,
      this.subLimits,
      (s) => this.markDirty(s),
      (s) => this.unsubscribe(s),
    );
    this.behind.add(sub);
    if (this.isLive) this.startReader(sub);
    else this.startWaiting(sub);
    this.onChange(this, 'readers');
    return sub;
  }

  private startWaiting(sub: Subscription): void {
    if (sub.isClosed || this.waitTimers.has(sub)) return;
    const timer = setTimeout(() => {
      this.waitTimers.delete(sub);
      sub.close();
      sub.sink.onEnd('wait-timeout');
    }, this.waitForPublisherMs);
    timer.unref();
    this.waitTimers.set(sub, timer);
  }

  private stopWaiting(sub: Subscription): void {
    const timer = this.waitTimers.get(sub);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.waitTimers.delete(sub);
  }

  private startReader(sub: Subscription): void {
    this.stopWaiting(sub);
    const republish = this.hadPublisher.has(sub);
    this.hadPublisher.add(sub);
    sub.sink.onPublish(republish);
    if (sub.isClosed) return;
    const isVideo = this.gop.isVideoStream || this.videoConfig !== undefined;
    if (this.metadata) sub.enqueue(this.metadata, isVideo);
    if (this.videoConfig) sub.enqueue(this.videoConfig, isVideo);
    if (this.audioConfig) sub.enqueue(this.audioConfig, isVideo);
    const cached = this.gop.snapshot();
    if (cached.length === 0 && isVideo) sub.startAtKeyframe();
    for (const f of cached) sub.enqueue(f, isVideo);
  }

  private unsubscribe(sub: Subscription): void {
    this.stopWaiting(sub);
    this.droppedByGone += sub.stats.framesDropped;
    this.inStep.delete(sub);
    this.behind.delete(sub);
    this.dirty.delete(sub);
    this.onChange(this, 'readers');
    this.checkEmpty();
  }

  private markDirty(sub: Subscription): void {
    this.dirty.add(sub);
    this.requestFlush();
  }

  private requestFlush(): void {
    if (this.flushScheduled) return;
    if (this.queueingHeldAudio) {
      this.holdTimer ??= setTimeout(this.flushNow, AUDIO_HOLD_MS);
      return;
    }
    this.flushScheduled = true;
    // One flush per tick for all readers: frames that arrive in one read of the publisher's
    // socket reach each reader as one batch (one socket write).
    setImmediate(this.flushNow);
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    const now = Date.now();
    this.finishDelivery(now);
    if (this.tick.length > 0) {
      const batch = this.tick;
      this.tick = [];
      if (this.inStep.size <= READERS_PER_TURN) {
        for (const sub of this.inStep) this.deliverTo(sub, batch, now);
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
      if (this.delivery === delivery) this.delivery = undefined;
      return;
    }
    setImmediate(() => {
      if (this.delivery === delivery) this.deliverSlice(delivery, Date.now());
    });
  }

  /** A batch still on its way goes to everyone before the next one (readers see frames in order). */
  private finishDelivery(now: number): void {
    const delivery = this.delivery;
    if (delivery === undefined) return;
    this.delivery = undefined;
    this.deliverUpTo(delivery, delivery.readers.length, now);
  }

  private deliverUpTo(delivery: Delivery, end: number, now: number): void {
    const last = Math.min(end, delivery.readers.length);
    while (delivery.next < last) this.deliverTo(delivery.readers[delivery.next++]!, delivery.batch, now);
  }

  /** Ends every reader (stream dropped by an operator, shutdown). */
  endReaders(reason: 'stream-dropped' | 'shutdown'): void {
    for (const sub of this.readers()) {
      sub.close();
      sub.sink.onEnd(reason);
    }
  }

  private checkEmpty(): void {
    if (this.publisherInfo === undefined && this.readerCount === 0) this.onEmpty(this);
  }

  /** Snapshot for admin/metrics. */
  info(): StreamInfo {
    const readersByProtocol: Record<string, number> = {};
    let dropped = this.droppedByGone;
    for (const sub of this.readers()) {
      readersByProtocol[sub.sink.protocol] = (readersByProtocol[sub.sink.protocol] ?? 0) + 1;
      dropped += sub.stats.framesDropped;
    }
    const p = this.publisherInfo;
    return {
      path: this.path,
      live: p !== undefined,
      ...(p && {
        publisher: { id: p.id, protocol: p.protocol, remoteAddress: p.remoteAddress, user: p.user, since: this.publisherSince },
      }),
      readers: this.readerCount,
      readersByProtocol,
      framesIn: this.framesIn,
      bytesIn: this.bytesIn,
      framesDropped: dropped,
      ...(this.videoConfig && {
        video: { codec: this.videoConfig.codec, width: this.videoConfig.width, height: this.videoConfig.height },
      }),
      ...(this.audioConfig && {
        audio: { codec: this.audioConfig.codec, sampleRate: this.audioConfig.sampleRate, channels: this.audioConfig.channels },
      }),
    };
  }

  /** Every reader, in step or behind (a copy: callers may end readers while they go through it). */
  private readers(): Subscription[] {
    return [...this.inStep, ...this.behind];
  }

  /** Subscriptions, for the admin protocol (kick) and tests. */
  subscriptions(): readonly Subscription[] {
    return this.readers();
  }
}
