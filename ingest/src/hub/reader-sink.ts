import type { MediaFrame } from '../media/media-frame.js';

/** Why the hub ends a reader. */
export type ReaderEndReason = 'slow-reader' | 'wait-timeout' | 'stream-dropped' | 'shutdown';

/**
 * What a reader (a player connection, an HLS segmenter, …) offers the hub. The hub never touches
 * sockets: it hands batches of frames to `write` and learns from its result whether to hold back.
 */
export interface ReaderSink {
  /** Connection id (or any unique id) for logs and the admin protocol. */
  readonly id: string;
  /** Protocol name for stats (`rtmp`, `http-flv`, `hls`, `rtsp`, …). */
  readonly protocol: string;
  /**
   * True when `write` keeps no view of a frame's bytes once it returns (it wrote them to the
   * kernel, or copied what it queues): the publisher may then reuse their memory as soon as the
   * hub lets the frames go (see ByteSlab). Otherwise the frames' memory is never reused, only
   * collected.
   */
  readonly keepsNoFrameViews?: boolean;
  /**
   * A publisher is live (now, or again after an unpublish). `republish` is true when the reader
   * already saw a publisher of this stream during its subscription.
   */
  onPublish(republish: boolean): void;
  /**
   * Frames in timeline order: after onPublish first the metadata and decoder configs, then the GOP
   * cache, then live frames. `shared` is true when the array is the stream's batch of this tick,
   * handed as is to every reader that keeps up (worth encoding once for all of them, by identity);
   * false for a batch of this reader's own (catching up). Returns false when the sink's buffers are
   * full: the hub then holds frames back (bounded) until the sink calls `Subscription.resume()`.
   */
  write(frames: readonly MediaFrame[], shared: boolean): boolean;
  /** The publisher left; the reader stays subscribed and may see onPublish again. */
  onUnpublish(): void;
  /** The hub ends this reader; it is already unsubscribed. */
  onEnd(reason: ReaderEndReason): void;
}
