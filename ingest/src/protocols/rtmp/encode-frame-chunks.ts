import { encodeFlvPayloadParts } from '#ingest/media/flv-payload.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { ProtocolError } from '../protocol-error.js';
import { encodeMessageChunkParts, encodeMessageChunks } from './chunk-encoder.js';

const CSID = { 8: 4, 9: 6, 18: 5 } as const;

/**
 * The whole chunked bytes of one media frame for a player stream: shareable by every player with
 * the same chunk size and stream id (type-0 first chunk, see encodeMessageChunks). A frame with
 * no FLV form (an mp3 AudioConfig) gives an empty buffer. Decoder configurations carry no time
 * of their own: they go out at `configTimestamp` (default 0; pass the stream's current time when
 * a configuration changes mid-stream).
 */
export function encodeFrameChunks(frame: MediaFrame, chunkSize: number, streamId: number, configTimestamp = 0): Buffer {
  let tag;
  try {
    tag = encodeFlvPayloadParts(frame);
  } catch (error) {
    if (error instanceof ProtocolError && error.code === 'FLV_UNENCODABLE') return Buffer.alloc(0);
    throw error;
  }
  return encodeMessageChunks(
    { chunkStreamId: CSID[tag.tagType], timestamp: Math.round('dts' in frame ? frame.dts : configTimestamp), typeId: tag.tagType, streamId, payload: tag.data },
    chunkSize,
    tag.head,
  );
}

/**
 * The bytes of {@link encodeFrameChunks} as parts for one vectored write: chunk headers in a small
 * buffer, the frame's own bytes as views between them (no copy of the frame); none for a frame with
 * no FLV form. The parts are appended to `out` (a whole batch's parts: no array per frame), which is
 * returned.
 */
export function encodeFrameChunkParts(frame: MediaFrame, chunkSize: number, streamId: number, configTimestamp = 0, out: Buffer[] = []): Buffer[] {
  let tag;
  try {
    tag = encodeFlvPayloadParts(frame);
  } catch (error) {
    if (error instanceof ProtocolError && error.code === 'FLV_UNENCODABLE') return out;
    throw error;
  }
  return encodeMessageChunkParts(
    { chunkStreamId: CSID[tag.tagType], timestamp: Math.round('dts' in frame ? frame.dts : configTimestamp), typeId: tag.tagType, streamId, payload: tag.data },
    chunkSize,
    tag.head,
    out,
  );
}
