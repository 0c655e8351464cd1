import { describe, expect, it } from 'vitest';
import { splitAggregateMessage } from '#ingest/protocols/rtmp/aggregate-message.js';
import { ProtocolError } from '#ingest/protocols/protocol-error.js';
import { hexBuffer } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';

const aggregate = hexBuffer(`
  08 000002 000064 00 000000  af01   0000000d   # audio, 2 bytes, ts 100, back pointer 13
  09 000003 00006e 00 000000  270100 0000000e   # video, 3 bytes, ts 110
  08 000001 000078 00 000000  aa                # audio, ts 120, last back pointer omitted
`);

describe('aggregate messages', () => {
  it('splits into sub-messages with timestamps rebased on the aggregate timestamp', () => {
    const subs = splitAggregateMessage({ chunkStreamId: 6, timestamp: 5000, typeId: 22, streamId: 1, payload: aggregate });
    expect(subs.map((m) => ({ ...m, payload: Buffer.from(m.payload).toString('hex') }))).toEqual([
      { chunkStreamId: 6, timestamp: 5000, typeId: 8, streamId: 1, payload: 'af01' },
      { chunkStreamId: 6, timestamp: 5010, typeId: 9, streamId: 1, payload: '270100' },
      { chunkStreamId: 6, timestamp: 5020, typeId: 8, streamId: 1, payload: 'aa' },
    ]);
  });

  it.each([
    { name: 'a truncated sub-message header', bytes: hexBuffer('08 000002 0000'), code: 'RTMP_BAD_AGGREGATE' },
    { name: 'a sub-message longer than the aggregate', bytes: hexBuffer('08 000009 000064 00 000000 af01'), code: 'RTMP_BAD_AGGREGATE' },
    { name: 'a nested aggregate', bytes: hexBuffer('16 000000 000064 00 000000'), code: 'RTMP_BAD_AGGREGATE' },
  ])('rejects $name', ({ bytes, code }) => {
    try {
      splitAggregateMessage({ chunkStreamId: 6, timestamp: 0, typeId: 22, streamId: 1, payload: bytes });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).code).toBe(code);
    }
  });

  it('only ever raises ProtocolError on mutated aggregates', () => {
    fuzz([aggregate], (input) => splitAggregateMessage({ chunkStreamId: 6, timestamp: 0, typeId: 22, streamId: 1, payload: input }), 1000, 5);
  });
});
