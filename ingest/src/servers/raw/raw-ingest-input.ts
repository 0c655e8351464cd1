import type { MediaFrame } from '#ingest/media/media-frame.js';

/** What a raw ingest format made of the bytes pushed so far. */
export interface RawIngestOutput {
  readonly frames: readonly MediaFrame[];
  /**
   * Present once, when the input has decided its stream name: the name it carries, or `null` when
   * it names none (the listener's default applies). Absent while it may still come.
   */
  readonly streamName?: string | null;
  /** Why the input names no stream (with `streamName: null`), for the warning. */
  readonly noNameReason?: string;
}

/**
 * A raw ingest format over TCP (FLV, MPEG-TS) as the shared connection sees it: bytes in, frames
 * and a stream name out. Malformed input raises ProtocolError (the connection closes).
 */
export interface RawIngestInput {
  push(bytes: Uint8Array): RawIngestOutput;
  /** The peer finished sending: frames still held by the demuxer. */
  end(): RawIngestOutput;
  /**
   * The format names its stream in its first bytes (FLV's onMetaData tag): until the stream is
   * claimed the connection is held to the pre-auth bound, and past half of it the default name
   * applies. Formats that may name it later (MPEG-TS's SDT) are bounded by the held frames.
   */
  readonly namesFirst?: boolean;
  /** Bytes kept for input not complete yet (a partial tag, PES packets being assembled). */
  bufferedBytes(): number;
  /** Counters of tolerated damage (continuity errors, …), logged rate-limited; absent when none apply. */
  damage?(): Readonly<Record<string, number>>;
}
