import { LIMITS } from '../limits.js';
import { ProtocolError, checkLimit } from '../protocol-error.js';
import { MessageType, type RtmpMessage } from './rtmp-message.js';

/**
 * Splits an aggregate message (type 22: FLV-tag-like sub-messages, each followed by a 4-byte back
 * pointer) into its sub-messages. Timestamps are rebased: the first sub-message gets the aggregate
 * message's timestamp and the others keep their offset from it (RTMP spec §7.1.6). Nested
 * aggregates are refused.
 */
export function splitAggregateMessage(message: RtmpMessage, maxMessageLength: number = LIMITS.rtmpMaxMessageLength): RtmpMessage[] {
  const body = Buffer.from(message.payload.buffer, message.payload.byteOffset, message.payload.byteLength);
  const out: RtmpMessage[] = [];
  let pos = 0;
  let base: number | undefined;
  while (pos < body.length) {
    if (body.length - pos < 11) {
      throw new ProtocolError('RTMP_BAD_AGGREGATE', `aggregate sub-message header truncated at byte ${pos}`);
    }
    const typeId = body[pos];
    const size = body.readUIntBE(pos + 1, 3);
    const timestamp = (body.readUIntBE(pos + 4, 3) | (body[pos + 7] << 24)) >>> 0;
    checkLimit('RTMP_MESSAGE_TOO_LONG', 'aggregate sub-message length', size, maxMessageLength);
    if (body.length - pos - 11 < size) {
      throw new ProtocolError('RTMP_BAD_AGGREGATE', `aggregate sub-message of ${size} bytes exceeds the aggregate`);
    }
    if (typeId === MessageType.aggregate) throw new ProtocolError('RTMP_BAD_AGGREGATE', 'nested aggregate message');
    base ??= timestamp;
    out.push({
      chunkStreamId: message.chunkStreamId,
      timestamp: (message.timestamp + timestamp - base) >>> 0,
      typeId,
      streamId: message.streamId,
      payload: body.subarray(pos + 11, pos + 11 + size),
    });
    pos += 11 + size;
    // The back pointer is optional at the very end (some servers omit the last one).
    pos += Math.min(4, body.length - pos);
  }
  return out;
}
