import { ProtocolError } from '../protocol-error.js';
import type { RtmpMessage } from './rtmp-message.js';

const EMPTY = new Uint8Array(0);

function basicHeaderSize(csid: number): number {
  return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

function checkMessage(csid: number, chunkSize: number, length: number): void {
  if (csid < 2 || csid > 65599) throw new ProtocolError('RTMP_BAD_CHUNK_STREAM', `chunk stream id ${csid} out of range`);
  if (!(chunkSize >= 1)) throw new ProtocolError('RTMP_BAD_CHUNK_SIZE', `invalid chunk size ${chunkSize}`);
  if (length > 0xffffff) {
    throw new ProtocolError('RTMP_MESSAGE_TOO_LONG', `RTMP message length too large: ${length} > limit ${0xffffff}`);
  }
}

/** Writes the type-0 header of the first chunk (and its extended timestamp); returns the position after it. */
function writeMessageHeader(out: Buffer, msg: RtmpMessage, length: number, timestamp: number): number {
  const extended = timestamp >= 0xffffff;
  let pos = writeBasicHeader(out, 0, 0, msg.chunkStreamId);
  out.writeUIntBE(extended ? 0xffffff : timestamp, pos, 3);
  out.writeUIntBE(length, pos + 3, 3);
  out[pos + 6] = msg.typeId;
  out.writeUInt32LE(msg.streamId >>> 0, pos + 7);
  pos += 11;
  if (extended) pos = out.writeUInt32BE(timestamp, pos);
  return pos;
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
  const { chunkStreamId: csid } = msg;
  // With a prefix, the message payload is prefix + msg.payload, copied straight into the chunks.
  const head = prefix ?? EMPTY;
  const body = msg.payload;
  const length = head.byteLength + body.byteLength;
  checkMessage(csid, chunkSize, length);
  const timestamp = ((msg.timestamp % 2 ** 32) + 2 ** 32) % 2 ** 32;
  const extended = timestamp >= 0xffffff;
  const basic = basicHeaderSize(csid);
  const extraBytes = extended ? 4 : 0;
  const chunks = Math.max(1, Math.ceil(length / chunkSize));
  const size = basic + 11 + extraBytes + (chunks - 1) * (basic + extraBytes) + length;
  const out = Buffer.allocUnsafe(size);
  let pos = writeMessageHeader(out, msg, length, timestamp);
  if (chunks === 1) {
    // One chunk (most audio): the parts go in whole, no views of them.
    out.set(head, pos);
    out.set(body, pos + head.byteLength);
    return out;
  }
  for (let offset = 0, i = 0; i < chunks; i++) {
    if (i > 0) {
      pos = writeBasicHeader(out, pos, 3, csid);
      if (extended) pos = out.writeUInt32BE(timestamp, pos);
    }
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

/** The type-3 header (and extended timestamp, when over 0xFFFFFF) of a chunk that continues a message. */
function continuationHeader(csid: number, timestamp: number): Buffer {
  const extended = timestamp >= 0xffffff;
  const out = Buffer.alloc(basicHeaderSize(csid) + (extended ? 4 : 0));
  const pos = writeBasicHeader(out, 0, 3, csid);
  if (extended) out.writeUInt32BE(timestamp, pos);
  return out;
}

/** Type-3 headers without extended timestamp, by chunk stream id (made on first use, never written to). */
const TYPE3_HEADERS: Buffer[] = [];

/**
 * Payloads shorter than this are copied into the chunks (one small buffer) rather than written as
 * views: a view costs a part in the vectored write, a copy of a few hundred bytes costs less.
 */
const MIN_VIEWED_PAYLOAD = 1024;

/**
 * The same bytes as {@link encodeMessageChunks}, as parts for one vectored write, without copying
 * the payload: the first chunk's header (and the prefix) in one small buffer, the payload as views of
 * `msg.payload`, and one shared type-3 header between the views. A message read once and played once then costs no copy on its way
 * out (bench/ingest-path-cost.ts). Short payloads come as one copied buffer. The parts are appended
 * to `out` (a batch's parts: no array per message), which is returned.
 */
export function encodeMessageChunkParts(msg: RtmpMessage, chunkSize: number, prefix?: Uint8Array, out: Buffer[] = []): Buffer[] {
  const head = prefix ?? EMPTY;
  const body = msg.payload;
  if (body.byteLength < MIN_VIEWED_PAYLOAD || chunkSize <= head.byteLength) {
    out.push(encodeMessageChunks(msg, chunkSize, prefix));
    return out;
  }
  const csid = msg.chunkStreamId;
  const length = head.byteLength + body.byteLength;
  checkMessage(csid, chunkSize, length);
  const timestamp = ((msg.timestamp % 2 ** 32) + 2 ** 32) % 2 ** 32;
  const extended = timestamp >= 0xffffff;
  const first = Buffer.allocUnsafe(basicHeaderSize(csid) + 11 + (extended ? 4 : 0) + head.byteLength);
  first.set(head, writeMessageHeader(first, msg, length, timestamp));
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let offset = chunkSize - head.byteLength;
  if (offset >= payload.byteLength) {
    out.push(first, payload);
    return out;
  }
  out.push(first, payload.subarray(0, offset));
  // Every type-3 header of one message has the same bytes: one buffer (shared by all messages of
  // the chunk stream unless the timestamp is extended) goes between all of its chunks.
  const next = extended ? continuationHeader(csid, timestamp) : (TYPE3_HEADERS[csid] ??= continuationHeader(csid, 0));
  while (offset < payload.byteLength) {
    out.push(next, payload.subarray(offset, offset + chunkSize));
    offset += chunkSize;
  }
  return out;
}
