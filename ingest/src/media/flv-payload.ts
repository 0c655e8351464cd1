import { decodeAmf0 } from '../protocols/amf/amf0-decoder.js';
import { encodeAmf0 } from '../protocols/amf/amf0-encoder.js';
import { AmfEcmaArray } from '../protocols/amf/amf-values.js';
import { ProtocolError } from '../protocols/protocol-error.js';
import { aacChannelCount, parseAudioSpecificConfig } from './adts.js';
import { parseAvcPictureSize } from './avc-decoder-config.js';
import type { AudioCodec, MediaFrame, VideoCodec } from './media-frame.js';

/** FLV tag types: audio, video, script data. */
export type FlvTagType = 8 | 9 | 18;

// Enhanced RTMP (veovera enhanced-rtmp v1/v2) packet types.
const VIDEO_SEQUENCE_START = 0;
const VIDEO_CODED_FRAMES = 1;
const VIDEO_SEQUENCE_END = 2;
const VIDEO_CODED_FRAMES_X = 3;
const AUDIO_SEQUENCE_START = 0;
const AUDIO_CODED_FRAMES = 1;

const VIDEO_FOURCC: Record<string, VideoCodec> = { avc1: 'h264', hvc1: 'h265', av01: 'av1', vp09: 'vp9' };
const VIDEO_FOURCC_OF: Record<VideoCodec, string> = { h264: 'avc1', h265: 'hvc1', av1: 'av01', vp9: 'vp09' };
const AUDIO_FOURCC: Record<string, AudioCodec> = { Opus: 'opus', mp4a: 'aac', '.mp3': 'mp3' };

function badVideo(message: string): ProtocolError {
  return new ProtocolError('FLV_BAD_VIDEO', message);
}

function badAudio(message: string, cause?: unknown): ProtocolError {
  return new ProtocolError('FLV_BAD_AUDIO', message, cause === undefined ? undefined : { cause });
}

function si24(body: Uint8Array, pos: number): number {
  const v = (body[pos] << 16) | (body[pos + 1] << 8) | body[pos + 2];
  return v & 0x800000 ? v - 0x1000000 : v;
}

function fourcc(body: Uint8Array, pos: number): string {
  return String.fromCharCode(body[pos], body[pos + 1], body[pos + 2], body[pos + 3]);
}

/** How a decoded frame keeps its media bytes (`data` from `start` on): a copy, or a view of a body it may own. */
type Keep = (data: Uint8Array, start: number) => Uint8Array;
const copy: Keep = (data, start) => new Uint8Array(data.subarray(start));
// A plain Uint8Array view even of a Buffer: frames look the same whichever way they were made.
// Made straight from the body (no subarray first): one object per frame.
const view: Keep = (data, start) => new Uint8Array(data.buffer, data.byteOffset + start, data.byteLength - start);

function decodeVideo(dts: number, body: Uint8Array, keep: Keep): MediaFrame | undefined {
  if (body.length < 1) throw badVideo('empty video tag');
  const first = body[0];
  if (first & 0x80) return decodeEnhancedVideo(dts, body, keep);
  const frameType = first >> 4;
  const codecId = first & 0x0f;
  // Frame type 5: video info / command frame, no picture.
  if (frameType === 5) return undefined;
  // 7 = AVC; 12 = the widespread pre-Enhanced-RTMP HEVC extension with the same layout.
  if (codecId !== 7 && codecId !== 12) return undefined;
  const codec: VideoCodec = codecId === 7 ? 'h264' : 'h265';
  if (body.length < 5) throw badVideo(`AVC video tag of ${body.length} bytes, need 5`);
  const packetType = body[1];
  if (packetType === 1) return { kind: 'video', codec, dts, pts: dts + si24(body, 2), keyframe: frameType === 1, data: keep(body, 5) };
  const data = body.subarray(5);
  if (packetType === 0) {
    if (data.length === 0) throw badVideo('empty decoder configuration record');
    const size = codec === 'h264' ? parseAvcPictureSize(data) : undefined;
    return { kind: 'video-config', codec, record: Uint8Array.from(data), ...size };
  }
  if (packetType === 2) return undefined; // end of sequence
  throw badVideo(`unknown AVC packet type ${packetType}`);
}

function decodeEnhancedVideo(dts: number, body: Uint8Array, keep: Keep): MediaFrame | undefined {
  if (body.length < 5) throw badVideo(`enhanced video tag of ${body.length} bytes, need 5`);
  const frameType = (body[0] >> 4) & 0x07;
  const packetType = body[0] & 0x0f;
  if (frameType === 5) return undefined;
  const codec = VIDEO_FOURCC[fourcc(body, 1)];
  // Metadata (4), MPEG2-TS sequence start (5), multitrack (6), ModEx (7), unknown codecs: skip.
  if (codec === undefined || packetType > VIDEO_CODED_FRAMES_X) return undefined;
  if (packetType === VIDEO_SEQUENCE_END) return undefined;
  const rest = body.subarray(5);
  if (packetType === VIDEO_SEQUENCE_START) {
    if (rest.length === 0) throw badVideo('empty decoder configuration record');
    const size = codec === 'h264' ? parseAvcPictureSize(rest) : undefined;
    return { kind: 'video-config', codec, record: Uint8Array.from(rest), ...size };
  }
  let cts = 0;
  let data = rest;
  // Only AVC and HEVC carry a composition time, and only in CodedFrames.
  if (packetType === VIDEO_CODED_FRAMES && (codec === 'h264' || codec === 'h265')) {
    if (rest.length < 3) throw badVideo('enhanced coded frames without composition time');
    cts = si24(rest, 0);
    data = rest.subarray(3);
  }
  return { kind: 'video', codec, dts, pts: dts + cts, keyframe: frameType === 1, data: keep(data, 0) };
}

function decodeAudio(dts: number, body: Uint8Array, keep: Keep): MediaFrame | undefined {
  if (body.length < 1) throw badAudio('empty audio tag');
  const soundFormat = body[0] >> 4;
  if (soundFormat === 10) {
    if (body.length < 2) throw badAudio('AAC audio tag without packet type');
    if (body[1] === 1) return { kind: 'audio', codec: 'aac', dts, data: keep(body, 2) };
    if (body[1] === 0) return aacConfig(body.subarray(2));
    throw badAudio(`unknown AAC packet type ${body[1]}`);
  }
  if (soundFormat === 2 || soundFormat === 14) {
    return { kind: 'audio', codec: 'mp3', dts, data: keep(body, 1) };
  }
  if (soundFormat === 9) {
    if (body.length < 5) throw badAudio(`enhanced audio tag of ${body.length} bytes, need 5`);
    const packetType = body[0] & 0x0f;
    const codec = AUDIO_FOURCC[fourcc(body, 1)];
    if (codec === undefined) return undefined;
    const data = body.subarray(5);
    if (packetType === AUDIO_SEQUENCE_START) {
      if (codec === 'aac') return aacConfig(data);
      if (codec === 'opus') {
        // OpusHead: "OpusHead", version, channel count (RFC 7845 §5.1); Opus always decodes at 48 kHz.
        if (data.length < 19) throw badAudio(`OpusHead of ${data.length} bytes, need 19`);
        return { kind: 'audio-config', codec, record: Uint8Array.from(data), sampleRate: 48000, channels: data[9] };
      }
      return undefined;
    }
    if (packetType === AUDIO_CODED_FRAMES) return { kind: 'audio', codec, dts, data: keep(data, 0) };
    return undefined;
  }
  return undefined;
}

function aacConfig(asc: Uint8Array): MediaFrame {
  let info;
  try {
    info = parseAudioSpecificConfig(asc);
  } catch (error) {
    if (error instanceof ProtocolError) throw badAudio(`bad AAC sequence header: ${error.message}`, error);
    throw error;
  }
  return { kind: 'audio-config', codec: 'aac', record: Uint8Array.from(asc), sampleRate: info.sampleRate, channels: aacChannelCount(info.channels) };
}

function decodeData(dts: number, body: Uint8Array): MediaFrame | undefined {
  let values: unknown[];
  try {
    values = decodeAmf0(body);
  } catch (error) {
    if (error instanceof ProtocolError) throw new ProtocolError('FLV_BAD_DATA', `bad script data: ${error.message}`, { cause: error });
    throw error;
  }
  if (values[0] === '@setDataFrame') values = values.slice(1);
  if (values[0] !== 'onMetaData') return undefined;
  const object = values[1];
  if (object === null || typeof object !== 'object' || Array.isArray(object)) return { kind: 'metadata', dts, values: {} };
  return { kind: 'metadata', dts, values: { ...(object as Record<string, unknown>) } };
}

/**
 * One FLV tag body (also the body of an RTMP audio/video/data message) → a MediaFrame, or
 * `undefined` for what the hub does not carry (end of sequence, command frames, other data
 * messages, unknown codecs). AAC/MP3/Opus audio, AVC (and codec-id-12 HEVC) video, Enhanced RTMP
 * video (hvc1, av01, vp09, avc1) and audio (Opus, mp4a, .mp3), onMetaData (with or without the
 * `@setDataFrame` wrapper). Short or invalid bodies raise FLV_BAD_AUDIO / FLV_BAD_VIDEO /
 * FLV_BAD_DATA. `owned`: see below.
 */
export function decodeFlvPayload(tagType: FlvTagType, timestamp: number, body: Uint8Array, owned = false): MediaFrame | undefined {
  // An owned body (a buffer of its own that nobody writes to again, like a reassembled RTMP
  // message) is not copied: audio and video frames are views of it. Otherwise the media bytes are
  // copied, so a frame never keeps a larger read buffer alive.
  const keep = owned ? view : copy;
  switch (tagType) {
    case 8:
      return decodeAudio(timestamp, body, keep);
    case 9:
      return decodeVideo(timestamp, body, keep);
    case 18:
      return decodeData(timestamp, body);
    default:
      throw new ProtocolError('FLV_BAD_TAG_TYPE', `unknown FLV tag type ${String(tagType)}`);
  }
}

function fourccBytes(code: string): number[] {
  return [...code].map((c) => c.charCodeAt(0));
}

/**
 * A MediaFrame → FLV tag type and body (the inverse of decodeFlvPayload). h264 and AAC use the
 * classic layout; h265/av1/vp9 and Opus use Enhanced RTMP. MP3 frames are tagged 44.1 kHz stereo
 * (FLV's rate bits are advisory; decoders read the MP3 header). An mp3 AudioConfig has no FLV
 * form and raises FLV_UNENCODABLE. The body comes as its few bytes of FLV header and the frame's
 * own bytes (not copied): an encoder writes both where they go, without joining them first.
 */
export function encodeFlvPayloadParts(frame: MediaFrame): FlvPayloadParts {
  switch (frame.kind) {
    case 'video-config':
      if (frame.codec === 'h264') return parts(9, Uint8Array.of(0x17, 0, 0, 0, 0), frame.record);
      return parts(9, Uint8Array.from([0x80 | (1 << 4) | VIDEO_SEQUENCE_START, ...fourccBytes(VIDEO_FOURCC_OF[frame.codec])]), frame.record);
    case 'video': {
      const frameType = frame.keyframe ? 1 : 2;
      const cts = Math.round(frame.pts) - Math.round(frame.dts);
      if (frame.codec === 'h264') return parts(9, Uint8Array.of((frameType << 4) | 7, 1, cts >> 16, cts >> 8, cts), frame.data);
      const ct = [(cts >> 16) & 0xff, (cts >> 8) & 0xff, cts & 0xff];
      const fc = fourccBytes(VIDEO_FOURCC_OF[frame.codec]);
      if (frame.codec === 'h265' && cts !== 0) {
        return parts(9, Uint8Array.from([0x80 | (frameType << 4) | VIDEO_CODED_FRAMES, ...fc, ...ct]), frame.data);
      }
      const packetType = frame.codec === 'h265' ? VIDEO_CODED_FRAMES_X : VIDEO_CODED_FRAMES;
      return parts(9, Uint8Array.from([0x80 | (frameType << 4) | packetType, ...fc]), frame.data);
    }
    case 'audio-config':
      if (frame.codec === 'aac') return parts(8, AAC_CONFIG_HEAD, frame.record);
      if (frame.codec === 'opus') return parts(8, Uint8Array.from([0x90 | AUDIO_SEQUENCE_START, ...fourccBytes('Opus')]), frame.record);
      throw new ProtocolError('FLV_UNENCODABLE', `no FLV form for a ${frame.codec} audio config`);
    case 'audio':
      if (frame.codec === 'aac') return parts(8, AAC_RAW_HEAD, frame.data);
      if (frame.codec === 'mp3') return parts(8, MP3_HEAD, frame.data);
      return parts(8, Uint8Array.from([0x90 | AUDIO_CODED_FRAMES, ...fourccBytes('Opus')]), frame.data);
    case 'metadata':
      return parts(18, NO_BYTES, encodeAmf0('onMetaData', AmfEcmaArray.from(frame.values)));
  }
}

/** The FLV body of a frame in two parts: the FLV header bytes, then the media bytes. */
export interface FlvPayloadParts {
  readonly tagType: FlvTagType;
  readonly head: Uint8Array;
  readonly data: Uint8Array;
}

const NO_BYTES = new Uint8Array(0);

// Heads that never change are shared (callers only read them); the rest are built without
// intermediate arrays: this runs for every frame a player format is produced for.
const AAC_CONFIG_HEAD = Uint8Array.of(0xaf, 0);
const AAC_RAW_HEAD = Uint8Array.of(0xaf, 1);
const MP3_HEAD = Uint8Array.of(0x2f);

function parts(tagType: FlvTagType, head: Uint8Array, data: Uint8Array): FlvPayloadParts {
  return { tagType, head, data };
}

/** The FLV tag type and body of a frame as one array (see encodeFlvPayloadParts). */
export function encodeFlvPayload(frame: MediaFrame): { tagType: FlvTagType; body: Uint8Array } {
  const { tagType, head, data } = encodeFlvPayloadParts(frame);
  if (head.length === 0) return { tagType, body: data };
  const body = new Uint8Array(head.length + data.length);
  body.set(head, 0);
  body.set(data, head.length);
  return { tagType, body };
}
