import { describe, expect, it } from 'vitest';
import { decodeControlMessage, encodeControlMessage } from '#ingest/protocols/rtmp/control-message.js';
import { RtmpControlResponder } from '#ingest/protocols/rtmp/rtmp-control-responder.js';
import { routeRtmpMessage } from '#ingest/protocols/rtmp/route-rtmp-message.js';
import { MessageType, UserControlEvent, type RtmpMessage } from '#ingest/protocols/rtmp/rtmp-message.js';
import { expectCode } from '#test/support/expect-code.js';
import { hexBuffer } from '#test/support/feeding.js';

function responder() {
  const sent: RtmpMessage[] = [];
  const control = new RtmpControlResponder((m) => sent.push(m));
  return { control, answers: () => sent.map((m) => decodeControlMessage(m.typeId, m.payload)) };
}

describe('RtmpControlResponder', () => {
  it('answers a PingRequest with a PingResponse carrying its timestamp', () => {
    const { control, answers } = responder();
    control.take(encodeControlMessage({ type: 'user-control', event: UserControlEvent.pingRequest, streamId: 0, timestamp: 1234 }));
    expect(answers()).toEqual([{ type: 'user-control', event: UserControlEvent.pingResponse, streamId: 0, timestamp: 1234 }]);
  });

  it('acknowledges once per window the peer asked for, and not before it asked', () => {
    const { control, answers } = responder();
    control.acknowledge(10_000);
    control.take(encodeControlMessage({ type: 'window-ack-size', size: 1000 }));
    control.acknowledge(10_500);
    control.acknowledge(11_000);
    control.acknowledge(11_600);
    expect(answers()).toEqual([
      { type: 'acknowledgement', sequenceNumber: 10_500 },
      { type: 'acknowledgement', sequenceNumber: 11_600 },
    ]);
  });

  it('refuses a control message shorter than its type needs with RTMP_BAD_CONTROL', () => {
    const { control } = responder();
    expectCode(
      () => control.take({ chunkStreamId: 2, timestamp: 0, typeId: MessageType.windowAckSize, streamId: 0, payload: hexBuffer('00 01') }),
      'RTMP_BAD_CONTROL',
    );
  });
});

describe('routeRtmpMessage', () => {
  const message = (typeId: number, payload = hexBuffer('00')): RtmpMessage => ({ chunkStreamId: 4, timestamp: 0, typeId, streamId: 1, payload });

  it('routes control, command and media messages, an aggregate part by part, and skips shared objects', () => {
    const routed: string[] = [];
    const routes = {
      control: (m: RtmpMessage) => routed.push(`control ${m.typeId}`),
      command: (m: RtmpMessage) => routed.push(`command ${m.typeId}`),
      media: (m: RtmpMessage) => routed.push(`media ${m.typeId}`),
    };
    const aggregate = hexBuffer(`
      08 000001 000000 00 000000  af 0000000c   # audio
      13 000001 000000 00 000000  00 0000000c   # AMF0 shared object: skipped
      0f 000001 000000 00 000000  00            # AMF3 data
    `);
    for (const typeId of [1, 4, 5, 20, 17, 8, 9, 18, 15, 19, 16]) routeRtmpMessage(message(typeId), routes, 1 << 20);
    routeRtmpMessage(message(MessageType.aggregate, aggregate), routes, 1 << 20);
    expect(routed).toEqual([
      'control 1',
      'control 4',
      'control 5',
      'command 20',
      'command 17',
      'media 8',
      'media 9',
      'media 18',
      'media 15',
      'media 8',
      'media 15',
    ]);
  });
});
