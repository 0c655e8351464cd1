import type { MediaFrame } from '#ingest/media/media-frame.js';

/**
 * Moves one publication's timeline to start at 0: the first timestamped frame's time becomes 0 and
 * every later frame keeps its distance from it. MPEG-TS input starts at the muxer's offset
 * (ffmpeg: ≈1400 ms) and a reconnecting FLV encoder may resume at any time; players and the GOP
 * cache expect a publication to start near 0. {@link anchor} takes the earliest of the first
 * frames as 0 (AAC priming and B-frame delay put audio and video tens of ms apart); a frame still
 * earlier is held at 0, so timestamps never go negative (RTMP's are unsigned).
 */
export class RawTimestampRebaser {
  private base: number | undefined;

  /** The subtracted offset once the first timestamped frame has been seen (ms). */
  get offset(): number | undefined {
    return this.base;
  }

  /** Fixes 0 at the earliest timestamp of `frames` (no-op once fixed or without timed frames). */
  anchor(frames: readonly MediaFrame[]): void {
    if (this.base !== undefined) return;
    for (const f of frames) {
      if (f.kind === 'video' || f.kind === 'audio') this.base = Math.min(this.base ?? f.dts, f.dts);
    }
  }

  /** `frame` on the rebased timeline (configs carry no time and pass through unchanged). */
  rebase(frame: MediaFrame): MediaFrame {
    switch (frame.kind) {
      case 'video-config':
      case 'audio-config':
        return frame;
      case 'video': {
        this.base ??= frame.dts;
        const dts = Math.max(0, frame.dts - this.base);
        return { ...frame, dts, pts: Math.max(dts, frame.pts - this.base) };
      }
      case 'audio':
        this.base ??= frame.dts;
        return { ...frame, dts: Math.max(0, frame.dts - this.base) };
      case 'metadata':
        // onMetaData precedes the media (FLV) and does not fix the timeline
        return { ...frame, dts: this.base === undefined ? 0 : Math.max(0, frame.dts - this.base) };
    }
  }
}
