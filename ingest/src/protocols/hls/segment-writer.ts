import type { AudioCodec, MediaFrame, VideoCodec } from '#ingest/media/media-frame.js';

/**
 * What the HLS segmenter needs from a container muxer (MPEG-TS now, fMP4 for LL-HLS later): bytes
 * per frame plus the bytes that make a segment start independently decodable. One writer lives for
 * one continuous timeline (the segmenter makes a new one after a discontinuity), so continuity
 * counters and clocks stay consistent across the segments it writes.
 */
export interface SegmentWriter {
  /** Bytes every segment starts with (MPEG-TS: PAT and PMT). May be empty. */
  segmentStart(): Uint8Array;
  /**
   * The bytes of one frame. Config frames are remembered (SPS/PPS repeated before keyframes, ADTS
   * headers from the AudioSpecificConfig) and may return no bytes; so may frames the container
   * cannot carry.
   */
  write(frame: MediaFrame): Uint8Array;
}

/** The tracks of a timeline, known when its first segment opens (at the first keyframe). */
export interface SegmentTracks {
  readonly video?: VideoCodec;
  readonly audio?: AudioCodec;
}

/** Makes a writer for a new timeline (the segmenter then replays the current config frames into it). */
export type SegmentWriterFactory = (tracks: SegmentTracks) => SegmentWriter;
