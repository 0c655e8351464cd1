import { splitAggregateMessage } from './aggregate-message.js';
import { MessageType, type RtmpMessage } from './rtmp-message.js';

/** Where a session takes each kind of RTMP message. */
export interface RtmpMessageRoutes {
  /** Protocol control and user control (RTMP §5.4, §6.2). */
  control(message: RtmpMessage): void;
  /** AMF0/AMF3 commands. */
  command(message: RtmpMessage): void;
  /** Audio, video and data (AMF0/AMF3) messages, and those inside an aggregate message. */
  media(message: RtmpMessage): void;
}

/**
 * Hands `message` to its route, an aggregate message's parts one by one (each within
 * `maxMessageLength`). Shared objects and unknown types are not ours to handle and harmless to
 * skip, inside an aggregate too.
 */
export function routeRtmpMessage(message: RtmpMessage, routes: RtmpMessageRoutes, maxMessageLength: number): void {
  switch (message.typeId) {
    case MessageType.setChunkSize:
    case MessageType.abort:
    case MessageType.acknowledgement:
    case MessageType.windowAckSize:
    case MessageType.setPeerBandwidth:
    case MessageType.userControl:
      return routes.control(message);
    case MessageType.commandAmf0:
    case MessageType.commandAmf3:
      return routes.command(message);
    case MessageType.audio:
    case MessageType.video:
    case MessageType.dataAmf0:
    case MessageType.dataAmf3:
      return routes.media(message);
    case MessageType.aggregate:
      for (const part of splitAggregateMessage(message, maxMessageLength)) {
        if (isMedia(part.typeId)) routes.media(part);
      }
      return;
    default:
      return;
  }
}

function isMedia(typeId: number): boolean {
  return typeId === MessageType.audio || typeId === MessageType.video || typeId === MessageType.dataAmf0 || typeId === MessageType.dataAmf3;
}
