import { ByteSlab } from '../media/byte-slab.js';
import { frameByteLength, type MediaFrame, type TimedFrame } from '../media/media-frame.js';

/** Bounds of one stream's GOP cache. */
export interface GopCacheLimits {
  /** Total payload bytes kept; past it the cache is emptied until the next keyframe. */
  readonly maxBytes: number;
  /** Longest span (ms, by dts) from the cached keyframe; past it the cache stops growing until the next keyframe. */
  readonly maxDurationMs: number;
}

/**
 * The media since the last video keyframe (or, for audio-only streams, a short tail of audio),
 * so a new reader can start decoding at once instead of waiting for the next keyframe. It holds
 * the bytes of the frames it keeps (ByteSlab.hold) until it lets them go.
 */
export class GopCache {
  private frames: TimedFrame[] = [];
  private bytes = 0;
  private hasVideo = false;
  private overflowed = false;

  constructor(private readonly limits: GopCacheLimits) {}

  /** Adds a frame of the live timeline. */
  push(frame: MediaFrame): void {
    if (frame.kind === 'video') {
      this.hasVideo = true;
      if (frame.keyframe) {
        this.clear();
      } else if (this.frames.length === 0 || this.overflowed) {
        return; // no keyframe to start from: nothing a reader could decode
      }
      this.append(frame);
    } else if (frame.kind === 'audio') {
      if (this.hasVideo) {
        if (this.frames.length === 0 || this.overflowed) return;
        this.append(frame);
      } else {
        this.append(frame);
        // audio-only: keep a rolling window instead of a GOP
        while (this.frames.length > 1 && frame.dts - this.frames[0].dts > this.limits.maxDurationMs) {
          const old = this.frames.shift()!;
          this.bytes -= frameByteLength(old);
          ByteSlab.release(old);
        }
      }
    }
  }

  private append(frame: TimedFrame): void {
    const size = frameByteLength(frame);
    const first = this.frames[0];
    if (
      this.bytes + size > this.limits.maxBytes ||
      (this.hasVideo && first !== undefined && frame.dts - first.dts > this.limits.maxDurationMs)
    ) {
      // A GOP longer than the bounds: a truncated GOP would still start at the keyframe, but
      // frames after the gap would be missing, so stop caching until the next keyframe.
      this.overflowed = true;
      return;
    }
    this.frames.push(frame);
    this.bytes += size;
    ByteSlab.hold(frame);
  }

  /**
   * The cached frames in timeline order. For a video stream it starts with a keyframe, or is empty
   * when the current GOP outgrew the bounds (a reader then waits for the next keyframe).
   */
  snapshot(): TimedFrame[] {
    return this.overflowed && this.hasVideo ? [] : this.frames.slice();
  }

  /** Whether the stream has carried video (a reader must then start at a keyframe). */
  get isVideoStream(): boolean {
    return this.hasVideo;
  }

  get byteLength(): number {
    return this.bytes;
  }

  get length(): number {
    return this.frames.length;
  }

  clear(): void {
    ByteSlab.releaseAll(this.frames);
    this.frames = [];
    this.bytes = 0;
    this.overflowed = false;
  }
}
