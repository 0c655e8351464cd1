import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFlvPayload, type FlvTagType } from '#ingest/media/flv-payload.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';

/** One tag of an FLV file, as a minimal test-side reader sees it. */
export interface FlvTag {
  tagType: number;
  timestamp: number;
  body: Uint8Array;
}

/**
 * Reads an FLV file strictly (header, PreviousTagSize0, tags each followed by a PreviousTagSize that
 * must equal 11 + body size). Test helper only: the ingest's own FLV demuxer is someone else's.
 */
export function readFlv(bytes: Uint8Array): { flags: number; tags: FlvTag[] } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.toString('latin1', 0, 3) !== 'FLV' || b[3] !== 1) throw new Error('not FLV');
  const headerSize = b.readUInt32BE(5);
  let pos = headerSize;
  if (b.readUInt32BE(pos) !== 0) throw new Error('PreviousTagSize0 not 0');
  pos += 4;
  const tags: FlvTag[] = [];
  while (pos < b.length) {
    if (pos + 11 > b.length) throw new Error('truncated tag header');
    const size = b.readUIntBE(pos + 1, 3);
    const timestamp = (b.readUIntBE(pos + 4, 3) | (b[pos + 7]! << 24)) >>> 0;
    if (b.readUIntBE(pos + 8, 3) !== 0) throw new Error('stream id not 0');
    const end = pos + 11 + size;
    if (end + 4 > b.length) throw new Error('truncated tag');
    if (b.readUInt32BE(end) !== 11 + size) throw new Error(`PreviousTagSize ${b.readUInt32BE(end)} != ${11 + size}`);
    tags.push({ tagType: b[pos]!, timestamp, body: new Uint8Array(b.subarray(pos + 11, end)) });
    pos = end + 4;
  }
  return { flags: b[4]!, tags };
}

let cached: MediaFrame[] | undefined;

/** Made by ffmpeg 5.1 with the command in test/fixtures/flv/README.md. */
const FIXTURE = join(import.meta.dirname, '../../../fixtures/flv/h264-aac-3s.flv');

/**
 * Real frames for muxer tests: 3 s of 25 fps h264 (testsrc, 160x120, keyframe every 10 frames) and
 * AAC (sine) encoded by ffmpeg to FLV (a fixture, so muxer tests start no process), read back with
 * decodeFlvPayload.
 */
export function syntheticFrames(): MediaFrame[] {
  if (cached) return cached;
  const frames: MediaFrame[] = [];
  for (const tag of readFlv(readFileSync(FIXTURE)).tags) {
    const frame = decodeFlvPayload(tag.tagType as FlvTagType, tag.timestamp, tag.body);
    if (frame) frames.push(frame);
  }
  cached = frames;
  return frames;
}
