import type { AudioConfig, MediaFrame, MetadataFrame, VideoConfig } from '../media/media-frame.js';
import type { FanOutScheduler } from './fan-out-scheduler.js';
import { GopCache, type GopCacheLimits } from './gop-cache.js';
import type { PublisherInfo } from './publisher-info.js';
import { Subscription, type SubscriptionLimits } from './subscription.js';
import type { ReaderSink } from './reader-sink.js';
import { StreamFanOut } from './stream-fan-out.js';

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
 * needs (metadata, decoder configs, the GOP cache). How frames then reach the readers (shared
 * batches per turn, queues for readers behind) is its {@link StreamFanOut}'s business, on the
 * hub's scheduler.
 */
export class LiveStream {
  private publisherInfo: PublisherInfo | undefined;
  private publisherSince = 0;
  private metadata: MetadataFrame | undefined;
  private videoConfig: VideoConfig | undefined;
  private audioConfig: AudioConfig | undefined;
  private readonly gop: GopCache;
  private readonly fanOut: StreamFanOut;
  private hadPublisher = new WeakSet<Subscription>();
  private framesIn = 0;
  private bytesIn = 0;
  private droppedByGone = 0;

  /** Cancels of the timers of readers waiting for a publisher. */
  private readonly waitTimers = new Map<Subscription, () => void>();

  constructor(
    readonly path: string,
    gopLimits: GopCacheLimits,
    private readonly subLimits: SubscriptionLimits,
    /** How long a reader waits for a publisher (before the first one, and after one leaves). */
    private readonly waitForPublisherMs: number,
    private readonly scheduler: FanOutScheduler,
    private readonly onEmpty: (stream: LiveStream) => void,
    /** Told when the publisher comes and goes and when the reader count changes (relays watch these). */
    private readonly onChange: (stream: LiveStream, change: 'live' | 'unpublished' | 'readers') => void = () => {},
  ) {
    this.gop = new GopCache(gopLimits);
    this.fanOut = new StreamFanOut(scheduler);
  }

  get publisher(): PublisherInfo | undefined {
    return this.publisherInfo;
  }

  get isLive(): boolean {
    return this.publisherInfo !== undefined;
  }

  get readerCount(): number {
    return this.fanOut.readerCount;
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
    this.fanOut.flush(this.scheduler.clock.now());
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

  /** A frame from the publisher: kept for late readers and handed to the fan-out. */
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
    this.fanOut.push(frame, this.gop.isVideoStream || this.videoConfig !== undefined);
  }

  /** Subscribes a reader; if the stream is live it starts at once from the caches. */
  subscribe(sink: ReaderSink): Subscription {
    const sub = new Subscription(
      sink,
      this.subLimits,
      (s) => this.fanOut.markDirty(s),
      (s) => this.unsubscribe(s),
    );
    this.fanOut.add(sub);
    if (this.isLive) this.startReader(sub);
    else this.startWaiting(sub);
    this.onChange(this, 'readers');
    return sub;
  }

  private startWaiting(sub: Subscription): void {
    if (sub.isClosed || this.waitTimers.has(sub)) return;
    const cancel = this.scheduler.clock.after(
      this.waitForPublisherMs,
      () => {
        this.waitTimers.delete(sub);
        sub.close();
        sub.sink.onEnd('wait-timeout');
      },
      false,
    );
    this.waitTimers.set(sub, cancel);
  }

  private stopWaiting(sub: Subscription): void {
    const cancel = this.waitTimers.get(sub);
    if (cancel === undefined) return;
    cancel();
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
    this.fanOut.remove(sub);
    this.onChange(this, 'readers');
    this.checkEmpty();
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
    return this.fanOut.readers();
  }

  /** Subscriptions, for the admin protocol (kick) and tests. */
  subscriptions(): readonly Subscription[] {
    return this.readers();
  }
}
