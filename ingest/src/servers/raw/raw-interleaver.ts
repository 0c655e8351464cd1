import type { MediaFrame } from '#ingest/media/media-frame.js';

type Track = 'audio' | 'video';

/**
 * Puts audio and video of one publication back in decode-time order before the hub. MPEG-TS
 * muxers interleave loosely (ffmpeg packs several AAC frames per PES and sends audio up to its
 * max_delay after the video of the same time), so frames arrive with audio hundreds of ms behind
 * video; the hub's GOP cache and per-reader timelines (HTTP-FLV starts each reader at 0) want a
 * late joiner's first keyframe followed by later frames only. A frame leaves when every track
 * seen so far has a frame at least as late, or when it is `maxDelayMs` older than the newest frame
 * (a track that stopped). Configs leave just before the next frame of their track; metadata at once.
 */
export class RawInterleaver {
  private readonly queues: Record<Track, MediaFrame[]> = { audio: [], video: [] };
  private readonly seen: Record<Track, boolean> = { audio: false, video: false };
  private newest = -Infinity;

  constructor(private readonly maxDelayMs = 1000) {}

  /** Frames released by the arrival of `frame`, in decode order. */
  push(frame: MediaFrame): MediaFrame[] {
    const track = trackOf(frame);
    if (track === undefined) return [frame];
    this.queues[track].push(frame);
    if (frame.kind === 'audio' || frame.kind === 'video') {
      this.seen[track] = true;
      this.newest = Math.max(this.newest, frame.dts);
    }
    return this.release(false);
  }

  /** Everything still held, in decode order (end of input). */
  flush(): MediaFrame[] {
    return this.release(true);
  }

  private release(all: boolean): MediaFrame[] {
    const out: MediaFrame[] = [];
    for (;;) {
      const a = headDts(this.queues.audio);
      const v = headDts(this.queues.video);
      let pick: Track | undefined;
      if (a !== undefined && v !== undefined) pick = a <= v ? 'audio' : 'video';
      else if (a !== undefined && (all || !this.seen.video || this.newest - a >= this.maxDelayMs)) pick = 'audio';
      else if (v !== undefined && (all || !this.seen.audio || this.newest - v >= this.maxDelayMs)) pick = 'video';
      if (pick === undefined) break;
      const q = this.queues[pick];
      // configs ahead of the frame go with it
      while (q.length > 0) {
        const f = q.shift()!;
        out.push(f);
        if (f.kind === 'audio' || f.kind === 'video') break;
      }
    }
    if (all) {
      // configs with no frame after them
      out.push(...this.queues.audio.splice(0), ...this.queues.video.splice(0));
    }
    return out;
  }
}

function trackOf(frame: MediaFrame): Track | undefined {
  if (frame.kind === 'audio' || frame.kind === 'audio-config') return 'audio';
  if (frame.kind === 'video' || frame.kind === 'video-config') return 'video';
  return undefined;
}

/** Decode time of the first timed frame of a track queue, or undefined when it holds none. */
function headDts(q: readonly MediaFrame[]): number | undefined {
  for (const f of q) if (f.kind === 'audio' || f.kind === 'video') return f.dts;
  return undefined;
}
