import { canonicalStream, StreamNameError } from '#domain/canonical-stream.js';
import type { MediaFrame } from '../media/media-frame.js';
import { eventLoopClock, type FanOutClock } from './fan-out-clock.js';
import { FanOutScheduler } from './fan-out-scheduler.js';
import type { GopCacheLimits } from './gop-cache.js';
import { LiveStream, type StreamInfo } from './live-stream.js';
import type { PublisherInfo } from './publisher-info.js';
import type { ReaderSink } from './reader-sink.js';
import type { Subscription, SubscriptionLimits } from './subscription.js';

/** Bounds and timings of the hub. */
export interface HubOptions {
  readonly gop: GopCacheLimits;
  readonly reader: SubscriptionLimits;
  /** How long a player of a stream that is not live waits for a publisher. */
  readonly waitForPublisherMs: number;
  /**
   * Called when a reader subscribes to a path with no publisher here (a cluster task then looks
   * for the stream on the other tasks).
   */
  readonly onWaitingReader?: (path: string) => void;
  /** The time and turns the fan-out runs on (default: the event loop). */
  readonly clock?: FanOutClock;
}

/** The publisher's handle on its stream. */
export interface Publication {
  readonly path: string;
  /** Sends a frame to the stream's readers (and caches). Ignored after `end()`. */
  push(frame: MediaFrame): void;
  /** The publisher stops: readers get onUnpublish. Idempotent. */
  end(): void;
}

/** What a hub observer (the relay manager) hears about every stream. */
export interface HubObserver {
  /** A publisher attached to `path`. */
  onLive?(path: string, publisher: PublisherInfo): void;
  /** The publisher of `path` left. */
  onUnpublished?(path: string): void;
  /** The number of readers of `path` changed (subscribe or unsubscribe). */
  onReaders?(path: string, readers: number): void;
}

/** Result of `Hub.publish`. */
export type PublishResult =
  | { readonly ok: true; readonly publication: Publication }
  | { readonly ok: false; readonly reason: 'already-publishing'; readonly current: PublisherInfo };

/**
 * The only meeting point of publishers and readers: one publisher per `APP/STREAM` path, any
 * number of readers, each with a bounded queue. Protocol servers ask it narrow questions.
 *
 * Paths are keyed canonically ({@link canonicalStream}): a server passes `identity.path`, and a
 * path that is not canonical yet (`LIVE/Cam1`) is taken as its canonical form, so no spelling
 * reaches a second stream. `publish` and `subscribe` throw StreamNameError for a path that
 * cannot be canonical (servers refuse such names before); the queries answer "not there".
 */
export class Hub {
  private readonly streams = new Map<string, LiveStream>();
  private readonly observers = new Set<HubObserver>();
  /** One clock tick and one held-audio timer for every stream, not one per stream. */
  private readonly scheduler: FanOutScheduler;

  constructor(private readonly options: HubOptions) {
    this.scheduler = new FanOutScheduler(options.clock ?? eventLoopClock);
  }

  /**
   * The canonical path of what a client sent (any split, any case): `canonicalStream(...).path`.
   * Throws StreamNameError.
   */
  static path(...parts: readonly string[]): string {
    return canonicalStream(...parts).path;
  }

  /** The stream key of `path`, or undefined when it cannot name a stream. */
  private static keyOf(path: string): string | undefined {
    try {
      return canonicalStream(path).path;
    } catch (err) {
      if (err instanceof StreamNameError) return undefined;
      throw err;
    }
  }

  private streamFor(rawPath: string): LiveStream {
    const path = canonicalStream(rawPath).path;
    let stream = this.streams.get(path);
    if (stream === undefined) {
      stream = new LiveStream(
        path,
        this.options.gop,
        this.options.reader,
        this.options.waitForPublisherMs,
        this.scheduler,
        (s) => {
          if (this.streams.get(s.path) === s) this.streams.delete(s.path);
        },
        (s, change) => this.notify(s, change),
      );
      this.streams.set(path, stream);
    }
    return stream;
  }

  /** Adds an observer of publishers and readers; returns its removal. */
  observe(observer: HubObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Readers of `path` right now (0 when unknown). */
  readerCount(path: string): number {
    return this.lookup(path)?.readerCount ?? 0;
  }

  private notify(stream: LiveStream, change: 'live' | 'unpublished' | 'readers'): void {
    for (const o of this.observers) {
      if (change === 'live') o.onLive?.(stream.path, stream.publisher!);
      else if (change === 'unpublished') o.onUnpublished?.(stream.path);
      else o.onReaders?.(stream.path, stream.readerCount);
    }
  }

  /** Claims `path` for a publisher, unless another publisher holds it. */
  publish(rawPath: string, info: PublisherInfo): PublishResult {
    const stream = this.streamFor(rawPath);
    const path = stream.path;
    const current = stream.publisher;
    if (current !== undefined) return { ok: false, reason: 'already-publishing', current };
    stream.attachPublisher(info);
    let ended = false;
    return {
      ok: true,
      publication: {
        path,
        push: (frame) => {
          if (!ended) stream.push(frame);
        },
        end: () => {
          if (ended) return;
          ended = true;
          stream.detachPublisher(info);
        },
      },
    };
  }

  /**
   * A publisher's socket read starts: the flushes its frames ask for wait for `endInput` (same
   * thread, same call stack) instead of the next event-loop turn. Every `beginInput` needs its
   * `endInput`, also when the read throws.
   */
  beginInput(): void {
    this.scheduler.beginInput();
  }

  /** The read ended: its readers get its frames now, and audio held past its bound goes out. */
  endInput(): void {
    this.scheduler.endInput();
  }

  /** Adds a reader to `path`; it starts now if the stream is live, or when a publisher arrives. */
  subscribe(path: string, sink: ReaderSink): Subscription {
    const stream = this.streamFor(path);
    const sub = stream.subscribe(sink);
    if (!stream.isLive) this.options.onWaitingReader?.(path);
    return sub;
  }

  /** Whether `path` has a publisher right now. */
  isLive(path: string): boolean {
    return this.lookup(path)?.isLive ?? false;
  }

  /** Snapshot of one stream, or undefined. */
  streamInfo(path: string): StreamInfo | undefined {
    return this.lookup(path)?.info();
  }

  /** Snapshots of every stream with a publisher or readers. */
  list(): StreamInfo[] {
    return [...this.streams.values()].map((s) => s.info());
  }

  /** Operator action: kicks the publisher and ends the readers of `path`. Returns false if unknown. */
  drop(path: string): boolean {
    const stream = this.lookup(path);
    if (stream === undefined) return false;
    stream.publisher?.kick('stream dropped by operator');
    stream.endReaders('stream-dropped');
    return true;
  }

  private lookup(path: string): LiveStream | undefined {
    const key = Hub.keyOf(path);
    return key === undefined ? undefined : this.streams.get(key);
  }

  /** Ends every reader of every stream (shutdown). */
  endAllReaders(): void {
    for (const s of [...this.streams.values()]) s.endReaders('shutdown');
  }
}
