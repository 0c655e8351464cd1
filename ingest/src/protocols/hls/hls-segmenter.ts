import type { AudioCodec, AudioConfig, MediaFrame, VideoCodec, VideoConfig } from '#ingest/media/media-frame.js';
import { LIMITS } from '../limits.js';
import { renderHlsPlaylist } from './hls-playlist.js';
import type { SegmentWriter, SegmentWriterFactory } from './segment-writer.js';

/** A finished segment, kept in memory until evicted. */
export interface HlsSegment {
  readonly sequence: number;
  /** File name in the playlist, e.g. `12.ts`. */
  readonly name: string;
  /** Decode time of its first frame, ms on the stream clock. */
  readonly startDts: number;
  /** Seconds, from its first frame to the next segment's first frame. */
  readonly duration: number;
  readonly discontinuity: boolean;
  readonly bytes: Uint8Array;
}

/** What changed with a push: for an S3 mirror or metrics. Memory use is already bounded here. */
export type HlsEvent =
  | { readonly type: 'segment'; readonly segment: HlsSegment }
  | { readonly type: 'evicted'; readonly segment: HlsSegment };

/** Options of one stream's segmenter. */
export interface HlsSegmenterOptions {
  readonly createWriter: SegmentWriterFactory;
  /** Seconds; a segment is cut at the first keyframe at or after this much media. Default 2. */
  readonly targetDuration?: number;
  /** Segments kept in memory (listed ones plus older ones still being downloaded). */
  readonly maxSegments?: number;
  /** Segments listed in the playlist (≤ maxSegments); RFC 8216 §6.2.2 wants ≥ 3 × target. Default 3. */
  readonly playlistSegments?: number;
  /** Bytes of kept segments; oldest segments go first when over it. */
  readonly maxBytes?: number;
  /** One segment; a stream without keyframes in time is cut here and resumes at a keyframe. */
  readonly maxSegmentBytes?: number;
  /** File extension of segments. Default `ts`. */
  readonly extension?: string;
}

// A decode time this far behind the last one means a new timeline (encoder restart, wrap): ms.
const BACKWARD_JUMP_MS = 1000;
// A gap this long is a pause in publishing, not media: ms.
const FORWARD_JUMP_MS = 60_000;

/**
 * Live HLS for one stream, sans-I/O: frames in, `index.m3u8` text and segment bytes out. Segments are
 * cut on video keyframes (on any audio frame for audio-only streams) once `targetDuration` is reached;
 * frames before a timeline's first keyframe are dropped (undecodable). At most `maxSegments`
 * segments and `maxBytes` bytes are kept; each eviction advances EXT-X-MEDIA-SEQUENCE. A republish
 * (`restart()`) or a timestamp jump starts a new timeline: a new writer and EXT-X-DISCONTINUITY.
 *
 * Designed to grow: LL-HLS parts can be cut from `current` at independent frames, and the events
 * returned by push let an uploader mirror segments and playlists to S3.
 */
export class HlsSegmenter {
  private readonly createWriter: SegmentWriterFactory;
  private readonly target: number;
  private readonly maxSegments: number;
  private readonly playlistSegments: number;
  private readonly maxBytes: number;
  private readonly maxSegmentBytes: number;
  private readonly extension: string;

  private readonly kept: HlsSegment[] = [];
  private keptBytes = 0;
  private nextSequence = 0;
  private discontinuitySequence = 0;
  private targetDurationTag: number;
  private ended = false;

  private writer: SegmentWriter | undefined;
  private videoConfig: VideoConfig | undefined;
  private audioConfig: AudioConfig | undefined;
  private hasVideo = false;
  private videoCodec: VideoCodec | undefined;
  private audioCodec: AudioCodec | undefined;
  private lastDts: number | undefined;
  private pendingDiscontinuity = false;
  private current: { startDts: number; parts: Uint8Array[]; bytes: number; discontinuity: boolean } | undefined;
  private dropped = 0;

  constructor(options: HlsSegmenterOptions) {
    this.createWriter = options.createWriter;
    this.target = options.targetDuration ?? 2;
    this.maxSegments = options.maxSegments ?? LIMITS.hlsMaxSegments;
    this.playlistSegments = Math.min(options.playlistSegments ?? 3, this.maxSegments);
    this.maxBytes = options.maxBytes ?? LIMITS.hlsMaxStreamBytes;
    this.maxSegmentBytes = options.maxSegmentBytes ?? LIMITS.hlsMaxSegmentBytes;
    this.extension = options.extension ?? 'ts';
    if (!(this.target > 0) || this.maxSegments < 1 || this.playlistSegments < 1) {
      throw new RangeError('HLS target duration and segment counts must be positive');
    }
    this.targetDurationTag = Math.ceil(this.target);
  }

  /** Frames dropped because no keyframe had started their segment yet. */
  get droppedFrames(): number {
    return this.dropped;
  }

  /** Bytes held by kept segments. */
  get bytes(): number {
    return this.keptBytes;
  }

  /** Kept segments, oldest first (some may no longer be listed). */
  get segments(): readonly HlsSegment[] {
    return this.kept;
  }

  /** True once the playlist lists at least one segment. */
  get ready(): boolean {
    return this.kept.length > 0;
  }

  /** A kept segment by file name, for `GET /APP/STREAM/<name>`. */
  segment(name: string): HlsSegment | undefined {
    return this.kept.find((s) => s.name === name);
  }

  /** The current `index.m3u8`. */
  playlist(): string {
    const listed = this.kept.slice(-this.playlistSegments);
    // Discontinuities no longer listed count into EXT-X-DISCONTINUITY-SEQUENCE (RFC 8216 §4.3.3.3).
    const unlisted = this.kept.slice(0, this.kept.length - listed.length).filter((s) => s.discontinuity).length;
    return renderHlsPlaylist(
      {
        targetDuration: this.targetDurationTag,
        discontinuitySequence: this.discontinuitySequence + unlisted,
        entries: listed,
        ended: this.ended,
      },
      this.nextSequence,
    );
  }

  /** Feeds one frame in timeline order; returns the segments finished and evicted by it. */
  push(frame: MediaFrame): HlsEvent[] {
    const events: HlsEvent[] = [];
    switch (frame.kind) {
      case 'video-config':
        this.videoConfig = frame;
        this.videoCodec = frame.codec;
        this.hasVideo = true;
        this.writer?.write(frame);
        return events;
      case 'audio-config':
        this.audioConfig = frame;
        this.audioCodec = frame.codec;
        this.writer?.write(frame);
        return events;
      case 'metadata':
        if (this.current) this.append(this.writer!.write(frame));
        return events;
      case 'video':
        this.hasVideo = true;
        this.videoCodec ??= frame.codec;
        break;
      case 'audio':
        this.audioCodec ??= frame.codec;
        break;
    }
    if (this.ended) this.restart();
    const dts = frame.dts;
    if (this.lastDts !== undefined && (dts < this.lastDts - BACKWARD_JUMP_MS || dts > this.lastDts + FORWARD_JUMP_MS)) {
      this.newTimeline(events, this.lastDts);
    }
    const cutPoint = frame.kind === 'video' ? frame.keyframe : !this.hasVideo;
    if (this.current === undefined) {
      if (!cutPoint) {
        this.dropped++;
        return events;
      }
      this.open(dts);
    } else if (cutPoint && (dts - this.current.startDts) / 1000 >= this.target) {
      this.close(dts, events);
      this.open(dts);
    }
    this.lastDts = Math.max(this.lastDts ?? dts, dts);
    this.append(this.writer!.write(frame));
    if (this.current!.bytes > this.maxSegmentBytes) {
      // No keyframe in time: cut here, and resume (with a discontinuity) at the next keyframe.
      this.close(this.lastDts, events);
      this.pendingDiscontinuity = true;
    }
    return events;
  }

  /**
   * The publisher stopped: finish the open segment and end the playlist (EXT-X-ENDLIST). A later
   * frame (republish) starts a new timeline after a discontinuity.
   */
  end(): HlsEvent[] {
    const events: HlsEvent[] = [];
    if (this.current && this.lastDts !== undefined) this.close(this.lastDts, events);
    this.ended = true;
    return events;
  }

  /** A new publisher on the same stream: its clock and codecs are new (EXT-X-DISCONTINUITY). */
  restart(): HlsEvent[] {
    const events: HlsEvent[] = [];
    this.newTimeline(events, this.lastDts);
    this.ended = false;
    return events;
  }

  private newTimeline(events: HlsEvent[], endDts: number | undefined): void {
    if (this.current && endDts !== undefined) this.close(endDts, events);
    this.current = undefined;
    this.writer = undefined;
    this.lastDts = undefined;
    this.pendingDiscontinuity = this.kept.length > 0 || this.nextSequence > 0;
  }

  private open(dts: number): void {
    if (this.writer === undefined) {
      this.writer = this.createWriter({
        ...(this.videoCodec ? { video: this.videoCodec } : {}),
        ...(this.audioCodec ? { audio: this.audioCodec } : {}),
      });
      if (this.videoConfig) this.writer.write(this.videoConfig);
      if (this.audioConfig) this.writer.write(this.audioConfig);
    }
    this.current = { startDts: dts, parts: [], bytes: 0, discontinuity: this.pendingDiscontinuity };
    this.pendingDiscontinuity = false;
    this.append(this.writer.segmentStart());
  }

  private append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.current!.parts.push(bytes);
    this.current!.bytes += bytes.length;
  }

  private close(endDts: number, events: HlsEvent[]): void {
    const cur = this.current!;
    this.current = undefined;
    const sequence = this.nextSequence++;
    const bytes = new Uint8Array(cur.bytes);
    let pos = 0;
    for (const p of cur.parts) {
      bytes.set(p, pos);
      pos += p.length;
    }
    const duration = Math.max(0, endDts - cur.startDts) / 1000;
    const segment: HlsSegment = {
      sequence,
      name: `${sequence}.${this.extension}`,
      startDts: cur.startDts,
      duration,
      discontinuity: cur.discontinuity,
      bytes,
    };
    // TARGETDURATION must cover every EXTINF rounded to the nearest integer (RFC 8216 §4.3.3.1);
    // a GOP longer than the target raises it (never lowers it).
    this.targetDurationTag = Math.max(this.targetDurationTag, Math.round(duration));
    this.kept.push(segment);
    this.keptBytes += bytes.length;
    events.push({ type: 'segment', segment });
    while (this.kept.length > this.maxSegments || (this.keptBytes > this.maxBytes && this.kept.length > 1)) {
      const old = this.kept.shift()!;
      this.keptBytes -= old.bytes.length;
      if (old.discontinuity) this.discontinuitySequence++;
      events.push({ type: 'evicted', segment: old });
    }
  }
}
