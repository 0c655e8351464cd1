import { describe, expect, it } from 'vitest';
import { ByteWriter } from '#ingest/protocols/amf/byte-writer.js';
import { AmfReader } from '#ingest/protocols/amf/amf-reader.js';
import { hexBuffer } from '#test/support/feeding.js';

describe('ByteWriter and AmfReader', () => {
  it('write every width big-endian, growing the buffer on any write, and read back the same', () => {
    // Starting at one byte, every write but the first outgrows the buffer.
    const out = new ByteWriter(1).u8(0x01).u16(0x0203).s16(-2).u24(0x040506).u32(0x0708090a).f64(1.5).bytes(hexBuffer('0b 0c')).finish();
    expect(out).toEqual(hexBuffer('01  0203  fffe  040506  0708090a  3ff8000000000000  0b0c'));
    const r = new AmfReader(out);
    expect([r.u8(), r.u16(), r.s16()]).toEqual([1, 0x0203, -2]);
    r.offset += 3;
    expect([r.u32(), r.f64(), [...r.take(2)], r.remaining]).toEqual([0x0708090a, 1.5, [0x0b, 0x0c], 0]);
  });
});
