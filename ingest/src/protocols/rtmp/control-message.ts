import { ProtocolError } from '../protocol-error.js';
import { MessageType, UserControlEvent, type RtmpMessage } from './rtmp-message.js';

/** Protocol control and user control messages, decoded (RTMP spec §5.4, §7.1.7). */
export type ControlMessage =
  | { type: 'set-chunk-size'; size: number }
  | { type: 'abort'; chunkStreamId: number }
  | { type: 'acknowledgement'; sequenceNumber: number }
  | { type: 'window-ack-size'; size: number }
  | { type: 'set-peer-bandwidth'; size: number; limitType: number }
  | { type: 'user-control'; event: number; streamId: number; bufferLength?: number; timestamp?: number };

function need(payload: Uint8Array, n: number, what: string): Buffer {
  if (payload.byteLength < n) {
    throw new ProtocolError('RTMP_BAD_CONTROL', `${what} payload of ${payload.byteLength} bytes, need ${n}`);
  }
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

/** Decodes a control message body; `undefined` for a type id that is not a control message. */
export function decodeControlMessage(typeId: number, payload: Uint8Array): ControlMessage | undefined {
  switch (typeId) {
    case MessageType.setChunkSize:
      return { type: 'set-chunk-size', size: need(payload, 4, 'Set Chunk Size').readUInt32BE(0) & 0x7fffffff };
    case MessageType.abort:
      return { type: 'abort', chunkStreamId: need(payload, 4, 'Abort').readUInt32BE(0) };
    case MessageType.acknowledgement:
      return { type: 'acknowledgement', sequenceNumber: need(payload, 4, 'Acknowledgement').readUInt32BE(0) };
    case MessageType.windowAckSize:
      return { type: 'window-ack-size', size: need(payload, 4, 'Window Acknowledgement Size').readUInt32BE(0) };
    case MessageType.setPeerBandwidth: {
      const b = need(payload, 5, 'Set Peer Bandwidth');
      return { type: 'set-peer-bandwidth', size: b.readUInt32BE(0), limitType: b[4] };
    }
    case MessageType.userControl: {
      const b = need(payload, 2, 'User Control');
      const event = b.readUInt16BE(0);
      if (event === UserControlEvent.pingRequest || event === UserControlEvent.pingResponse) {
        return { type: 'user-control', event, streamId: 0, timestamp: need(b, 6, 'Ping').readUInt32BE(2) };
      }
      const streamId = need(b, 6, 'User Control').readUInt32BE(2);
      if (event === UserControlEvent.setBufferLength) {
        return { type: 'user-control', event, streamId, bufferLength: need(b, 10, 'Set Buffer Length').readUInt32BE(6) };
      }
      return { type: 'user-control', event, streamId };
    }
    default:
      return undefined;
  }
}

/** Encodes a control message as an RTMP message on chunk stream 2, message stream 0. */
export function encodeControlMessage(message: ControlMessage, timestamp = 0): RtmpMessage {
  let typeId: number;
  let payload: Buffer;
  switch (message.type) {
    case 'set-chunk-size':
      typeId = MessageType.setChunkSize;
      payload = u32(message.size);
      break;
    case 'abort':
      typeId = MessageType.abort;
      payload = u32(message.chunkStreamId);
      break;
    case 'acknowledgement':
      typeId = MessageType.acknowledgement;
      payload = u32(message.sequenceNumber);
      break;
    case 'window-ack-size':
      typeId = MessageType.windowAckSize;
      payload = u32(message.size);
      break;
    case 'set-peer-bandwidth':
      typeId = MessageType.setPeerBandwidth;
      payload = Buffer.concat([u32(message.size), Buffer.from([message.limitType])]);
      break;
    case 'user-control': {
      typeId = MessageType.userControl;
      const isPing = message.event === UserControlEvent.pingRequest || message.event === UserControlEvent.pingResponse;
      const hasBuffer = message.event === UserControlEvent.setBufferLength;
      payload = Buffer.alloc(hasBuffer ? 10 : 6);
      payload.writeUInt16BE(message.event, 0);
      payload.writeUInt32BE((isPing ? (message.timestamp ?? 0) : message.streamId) >>> 0, 2);
      if (hasBuffer) payload.writeUInt32BE((message.bufferLength ?? 0) >>> 0, 6);
      break;
    }
  }
  return { chunkStreamId: 2, timestamp, typeId, streamId: 0, payload };
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0, 0);
  return b;
}
