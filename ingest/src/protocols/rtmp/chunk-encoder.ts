import { ProtocolError } from '../protocol-error.js';
import type { RtmpMessage } from './rtmp-message.js';

const EMPTY = new Uint8Array(0);

function basicHeaderSize(csid: number): number {
  return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

function writeBasicHeader(out: Buffer, pos: number, fmt: number, csid: number): number {
  if (csid < 64) {
    out[pos] = (fmt << 6) | csid;
    return pos + 1;
  }
  if (csid < 320) {
    out[pos] = fmt << 6;
    out[pos + 1] = csid - 64;
    return pos + 2;
  }
  out[pos] = (fmt << 6) | 1;
  out[pos + 1] = (csid - 64) & 0xff;
  out[pos + 2] = (csid - 64) >> 8;
  return pos + 3;
}

/**
 * Cuts one message into chunks of `chunkSize`: a type-0 header on the first chunk, type-3 on the
 * rest, so the bytes do not depend on per-connection chunk stream state and one buffer can go to
 * many peers. Timestamps are taken modulo 2^32; from 0xFFFFFF up the extended timestamp is written
 * after every header, type-3 ones included (as FFmpeg and librtmp expect).
 */
export function encodeMessageChunks(msg: RtmpMessage, chunkSize: number, prefix?: Uint8Array): Buffer {
  const { chunkStreamId: csid, typeId, streamId } = msg;
  // With a prefix, the message payload is prefix + msg.payload, copied straight into the chunks.
  const head = prefix ?? EMPTY;
  const body = msg.payload;
  const length = head.byteLength + body.byteLength;
  if (csid < 2 || csid > 65599) throw new ProtocolError('RTMP_BAD_CHUNK_STREAM', `chunk stream id ${csid} out of range`);
  if (!(chunkSize >= 1)) throw new ProtocolError('RTMP_BAD_CHUNK_SIZE', `invalid chunk size ${chunkSize}`);
  if (length > 0xffffff) {
    throw new ProtocolError('RTMP_MESSAGE_TOO_LONG', `RTMP message length too large: ${length} > limit ${0xffffff}`);
  }
  const timestamp = ((msg.timestamp % 2 ** 32) + 2 ** 32) % 2 ** 32;
  const extended = timestamp >= 0xffffff;
  const basic = basicHeaderSize(csid);
  const extraBytes = extended ? 4 : 0;
  const chunks = Math.max(1, Math.ceil(length / chunkSize));
  const size = basic + 11 + extraBytes + (chunks - 1) * (basic + extraBytes) + length;
  const out = Buffer.allocUnsafe(size);
  let pos = writeBasicHeader(out, 0, 0, csid);
  out.writeUIntBE(extended ? 0xffffff : timestamp, pos, 3);
  out.writeUIntBE(length, pos + 3, 3);
  out[pos + 6] = typeId;
  out.writeUInt32LE(streamId >>> 0, pos + 7);
  pos += 11;
  for (let offset = 0, i = 0; i < chunks; i++) {
    if (i > 0) pos = writeBasicHeader(out, pos, 3, csid);
    if (extended) pos = out.writeUInt32BE(timestamp, pos);
    const end = Math.min(offset + chunkSize, length);
    if (offset < head.byteLength) {
      const headEnd = Math.min(end, head.byteLength);
      out.set(head.subarray(offset, headEnd), pos);
      if (end > headEnd) out.set(body.subarray(0, end - headEnd), pos + headEnd - offset);
    } else {
      out.set(body.subarray(offset - head.byteLength, end - head.byteLength), pos);
    }
    pos += end - offset;
    offset = end;
  }
  return out;
}
