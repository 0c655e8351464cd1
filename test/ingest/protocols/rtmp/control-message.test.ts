import { describe, expect, it } from 'vitest';
import {
  type ControlMessage,
  decodeControlMessage,
  encodeControlMessage,
} from '#ingest/protocols/rtmp/control-message.js';
import { ProtocolError } from '#ingest/protocols/protocol-error.js';
import { hexBuffer } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';

const cases: { name: string; typeId: number; bytes: Buffer; decoded: ControlMessage }[] = [
  { name: 'Set Chunk Size 4096', typeId: 1, bytes: hexBuffer('00001000'), decoded: { type: 'set-chunk-size', size: 4096 } },
  { name: 'Abort csid 4', typeId: 2, bytes: hexBuffer('00000004'), decoded: { type: 'abort', chunkStreamId: 4 } },
  { name: 'Acknowledgement', typeId: 3, bytes: hexBuffer('0026259f'), decoded: { type: 'acknowledgement', sequenceNumber: 2500000 - 1 } },
  { name: 'Window Ack Size 2.5 MB', typeId: 5, bytes: hexBuffer('002625a0'), decoded: { type: 'window-ack-size', size: 2500000 } },
  {
    name: 'Set Peer Bandwidth dynamic',
    typeId: 6,
    bytes: hexBuffer('002625a0 02'),
    decoded: { type: 'set-peer-bandwidth', size: 2500000, limitType: 2 },
  },
  { name: 'Stream Begin 1', typeId: 4, bytes: hexBuffer('0000 00000001'), decoded: { type: 'user-control', event: 0, streamId: 1 } },
  { name: 'Stream EOF 1', typeId: 4, bytes: hexBuffer('0001 00000001'), decoded: { type: 'user-control', event: 1, streamId: 1 } },
  {
    name: 'Set Buffer Length 3000 ms',
    typeId: 4,
    bytes: hexBuffer('0003 00000001 00000bb8'),
    decoded: { type: 'user-control', event: 3, streamId: 1, bufferLength: 3000 },
  },
  {
    name: 'Ping Request',
    typeId: 4,
    bytes: hexBuffer('0006 0000162e'),
    decoded: { type: 'user-control', event: 6, streamId: 0, timestamp: 5678 },
  },
  {
    name: 'Ping Response',
    typeId: 4,
    bytes: hexBuffer('0007 0000162e'),
    decoded: { type: 'user-control', event: 7, streamId: 0, timestamp: 5678 },
  },
];

describe('control messages', () => {
  it.each(cases)('decodes $name', ({ typeId, bytes, decoded }) => {
    expect(decodeControlMessage(typeId, bytes)).toEqual(decoded);
  });

  it.each(cases)('encodes $name on chunk stream 2, message stream 0', ({ typeId, bytes, decoded }) => {
    const message = encodeControlMessage(decoded);
    expect(message).toMatchObject({ chunkStreamId: 2, streamId: 0, typeId });
    expect(Buffer.from(message.payload).toString('hex')).toBe(bytes.toString('hex'));
  });

  it('returns undefined for non-control message types', () => {
    expect(decodeControlMessage(20, hexBuffer('00'))).toBeUndefined();
  });

  it('rejects short payloads with RTMP_BAD_CONTROL', () => {
    for (const c of cases) {
      expect(() => decodeControlMessage(c.typeId, c.bytes.subarray(0, c.bytes.length - 1))).toThrow(ProtocolError);
    }
  });

  it('only ever raises ProtocolError on mutated payloads', () => {
    fuzz(cases.map((c) => c.bytes), (input, i) => decodeControlMessage(cases[i].typeId, input), Math.ceil(1000 / cases.length), 3);
  });
});
