import type { VideoFrame } from './media-frame.js';

/**
 * Gives decode timestamps to video that arrives with presentation times only (RTP). With B-frames
 * the decode order differs from presentation order; holding `reorderDepth` frames (the SPS
 * max_num_reorder_frames) is enough to know the smallest presentation time still to come, and
 * DTS = that time minus `reorderDepth` frame durations is monotonic and never after PTS for a
 * stream that respects its declared depth. Depth 0 passes frames through with DTS = PTS.
 */
export class DtsEstimator {
  private readonly held: VideoFrame[] = [];
  /** PTS of held frames, ascending. */
  private readonly pending: number[] = [];
  private lastPopped: number | undefined;
  private frameDuration = Infinity;
  private lastDts = -Infinity;

  constructor(readonly reorderDepth: number) {}

  /** Adds a frame in decode order; returns the frames whose DTS is now known. */
  push(frame: VideoFrame): VideoFrame[] {
    if (this.reorderDepth === 0) return [frame];
    this.held.push(frame);
    const at = this.pending.findIndex((p) => p > frame.pts);
    this.pending.splice(at < 0 ? this.pending.length : at, 0, frame.pts);
    this.updateDuration();
    const out: VideoFrame[] = [];
    while (this.held.length > this.reorderDepth) out.push(this.release());
    return out;
  }

  /** Releases every held frame (end of stream, or before a config change). */
  flush(): VideoFrame[] {
    const out: VideoFrame[] = [];
    while (this.held.length > 0) out.push(this.release());
    return out;
  }

  private updateDuration(): void {
    const values = this.lastPopped === undefined ? this.pending : [this.lastPopped, ...this.pending];
    for (let i = 1; i < values.length; i++) {
      const d = values[i] - values[i - 1];
      if (d > 0 && d < this.frameDuration) this.frameDuration = d;
    }
  }

  private release(): VideoFrame {
    const frame = this.held.shift()!;
    const smallest = this.pending.shift()!;
    this.lastPopped = smallest;
    const duration = Number.isFinite(this.frameDuration) ? this.frameDuration : 0;
    let dts = Math.min(smallest - this.reorderDepth * duration, frame.pts);
    if (dts < this.lastDts) dts = this.lastDts;
    this.lastDts = dts;
    return { ...frame, dts };
  }
}
