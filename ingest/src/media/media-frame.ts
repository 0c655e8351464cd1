/**
 * Protocol-neutral media units carried by the hub. Every input protocol turns its wire format into
 * these; every output protocol turns these into its wire format. Timestamps are milliseconds
 * (may be fractional; 90 kHz sources keep their precision), on one clock per stream.
 */

/** Video codecs the frame model names. RTMP/FLV classic carries only h264; the rest arrive over
 * Enhanced RTMP, RTSP or MPEG-TS. */
export type VideoCodec = 'h264' | 'h265' | 'av1' | 'vp9';
/** Audio codecs the frame model names. */
export type AudioCodec = 'aac' | 'opus' | 'mp3';

/**
 * Decoder configuration of a video track.
 * `record` is the ISO/IEC 14496-15 decoder configuration record: AVCDecoderConfigurationRecord for
 * h264 (the FLV "AVC sequence header" body), HEVCDecoderConfigurationRecord for h265,
 * AV1CodecConfigurationRecord for av1.
 */
export interface VideoConfig {
  readonly kind: 'video-config';
  readonly codec: VideoCodec;
  readonly record: Uint8Array;
  readonly width?: number;
  readonly height?: number;
}

/**
 * Decoder configuration of an audio track.
 * `record` is the AudioSpecificConfig for aac, the OpusHead for opus, empty for mp3.
 */
export interface AudioConfig {
  readonly kind: 'audio-config';
  readonly codec: AudioCodec;
  readonly record: Uint8Array;
  readonly sampleRate: number;
  readonly channels: number;
}

/**
 * One access unit of video. `data` holds length-prefixed NAL units (4-byte big-endian lengths,
 * i.e. AVCC/HVCC framing) for h264/h265; OBUs for av1.
 */
export interface VideoFrame {
  readonly kind: 'video';
  readonly codec: VideoCodec;
  /** Decode timestamp, ms. */
  readonly dts: number;
  /** Presentation timestamp, ms (pts - dts is the composition offset for B-frames). */
  readonly pts: number;
  readonly keyframe: boolean;
  readonly data: Uint8Array;
}

/** One raw audio frame: an AAC access unit without ADTS header, an Opus packet, an MP3 frame. */
export interface AudioFrame {
  readonly kind: 'audio';
  readonly codec: AudioCodec;
  /** Timestamp, ms. */
  readonly dts: number;
  readonly data: Uint8Array;
}

/** Stream metadata (the onMetaData object of RTMP/FLV), kept by the hub and given to each reader. */
export interface MetadataFrame {
  readonly kind: 'metadata';
  readonly dts: number;
  readonly values: Readonly<Record<string, unknown>>;
}

/** Anything the hub carries in timeline order. */
export type MediaFrame = VideoFrame | AudioFrame | MetadataFrame | VideoConfig | AudioConfig;

/** Frames that carry a timestamp and payload. */
export type TimedFrame = VideoFrame | AudioFrame;

/** Approximate byte cost of a frame, for queue and cache bounds. */
export function frameByteLength(frame: MediaFrame): number {
  switch (frame.kind) {
    case 'video':
    case 'audio':
      return frame.data.byteLength + 32;
    case 'video-config':
    case 'audio-config':
      return frame.record.byteLength + 32;
    case 'metadata':
      return 256;
  }
}
