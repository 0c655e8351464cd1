import { decodeControlMessage, encodeControlMessage, type ControlMessage } from './control-message.js';
import { UserControlEvent, type RtmpMessage } from './rtmp-message.js';

/**
 * The control part both ends of an RTMP session share (server and client sessions): validates
 * protocol control and user control messages, keeps the window the peer asked for and
 * acknowledges every window of bytes received (RTMP §5.4.3), answers a PingRequest with a
 * PingResponse. Sans-I/O: what it answers goes to `send`.
 */
export class RtmpControlResponder {
  private peerWindow = 0;
  private lastAck = 0;

  constructor(private readonly send: (message: RtmpMessage) => void) {}

  /**
   * Takes a control message (its length checked, a coded ProtocolError otherwise). Returns it
   * decoded for what the session itself reacts to (a Stream EOF from the server).
   */
  take(message: RtmpMessage): ControlMessage | undefined {
    const control = decodeControlMessage(message.typeId, message.payload);
    if (control?.type === 'window-ack-size') this.peerWindow = control.size;
    else if (control?.type === 'user-control' && control.event === UserControlEvent.pingRequest) {
      this.send(encodeControlMessage({ type: 'user-control', event: UserControlEvent.pingResponse, streamId: 0, timestamp: control.timestamp }));
    }
    return control;
  }

  /** After each read: an Acknowledgement once a window of bytes came since the last one. */
  acknowledge(bytesReceived: number): void {
    if (this.peerWindow <= 0 || bytesReceived - this.lastAck < this.peerWindow) return;
    this.lastAck = bytesReceived;
    this.send(encodeControlMessage({ type: 'acknowledgement', sequenceNumber: bytesReceived % 2 ** 32 }));
  }
}
