import { describe, expect, it } from 'vitest';
import { decodeCommand, encodeCommand } from '#ingest/protocols/rtmp/command-message.js';
import { ProtocolError } from '#ingest/protocols/protocol-error.js';
import { hexBuffer } from '#test/support/feeding.js';

const cases = [
  {
    name: 'createStream (AMF0, type 20)',
    typeId: 20,
    bytes: hexBuffer('02 000c "createStream"  00 4010000000000000  05'),
    decoded: { name: 'createStream', transactionId: 4, commandObject: null, args: [] },
  },
  {
    name: 'publish with name and type',
    typeId: 20,
    bytes: hexBuffer('02 0007 "publish"  00 0000000000000000  05  02 0003 "cam"  02 0004 "live"'),
    decoded: { name: 'publish', transactionId: 0, commandObject: null, args: ['cam', 'live'] },
  },
];

describe('command messages', () => {
  it.each(cases)('decodes $name', ({ typeId, bytes, decoded }) => {
    expect(decodeCommand(typeId, bytes)).toEqual(decoded);
  });

  it.each(cases)('encodes $name', ({ bytes, decoded }) => {
    const message = encodeCommand(decoded);
    expect(message).toMatchObject({ chunkStreamId: 3, typeId: 20, streamId: 0 });
    expect(Buffer.from(message.payload).toString('hex')).toBe(bytes.toString('hex'));
  });

  it('skips the format byte of an AMF3 command message (type 17)', () => {
    expect(decodeCommand(17, Buffer.concat([hexBuffer('00'), cases[0].bytes]))).toEqual(cases[0].decoded);
  });

  it('refuses a command that does not start with a name', () => {
    expect(() => decodeCommand(20, hexBuffer('00 4010000000000000'))).toThrow(expect.objectContaining({ code: 'RTMP_BAD_COMMAND' }));
    expect(() => decodeCommand(20, hexBuffer(''))).toThrow(ProtocolError);
  });
});
