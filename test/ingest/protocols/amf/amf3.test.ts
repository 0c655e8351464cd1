import { describe } from 'vitest';
import { decodeAmf3 } from '#ingest/protocols/amf/amf3-decoder.js';
import { encodeAmf3 } from '#ingest/protocols/amf/amf3-encoder.js';
import { AmfEcmaArray, AmfTypedObject, AmfXmlDocument } from '#ingest/protocols/amf/amf-values.js';
import { hexBuffer } from '#test/support/feeding.js';
import { type AmfCase, type AmfError, itAmfCodec } from './amf-codec-tests.js';


const cases: AmfCase[] = [
  { name: 'undefined, null, false, true', bytes: hexBuffer('00 01 02 03'), decoded: [undefined, null, false, true] },
  { name: 'integer 0', bytes: hexBuffer('04 00'), decoded: [0] },
  { name: 'integer 127 (1 byte U29)', bytes: hexBuffer('04 7f'), decoded: [127] },
  { name: 'integer 128 (2 byte U29)', bytes: hexBuffer('04 8100'), decoded: [128] },
  { name: 'integer 16384 (3 byte U29)', bytes: hexBuffer('04 818000'), decoded: [16384] },
  { name: 'integer 2^28-1 (4 byte U29)', bytes: hexBuffer('04 bfffffff'), decoded: [2 ** 28 - 1] },
  { name: 'integer -1', bytes: hexBuffer('04 ffffffff'), decoded: [-1] },
  { name: 'integer -2^28', bytes: hexBuffer('04 c0808000'), decoded: [-(2 ** 28)] },
  { name: 'double 1.5', bytes: hexBuffer('05 3ff8000000000000'), decoded: [1.5] },
  { name: 'double for 2^28', bytes: hexBuffer('05 41b0000000000000'), decoded: [2 ** 28] },
  { name: 'string', bytes: hexBuffer('06 07 "abc"'), decoded: ['abc'] },
  { name: 'empty string', bytes: hexBuffer('06 01'), decoded: [''] },
  { name: 'string then a reference to it', bytes: hexBuffer('06 07 "abc"  06 00'), decoded: ['abc', 'abc'] },
  { name: 'XML', bytes: hexBuffer('0b 09 "<a/>"'), decoded: [new AmfXmlDocument('<a/>')] },
  { name: 'XMLDocument', bytes: hexBuffer('07 09 "<a/>"'), decoded: [new AmfXmlDocument('<a/>')], encodes: false },
  { name: 'date', bytes: hexBuffer('08 01 4271f71fb0450000'), decoded: [new Date(1234567890000)] },
  { name: 'dense array', bytes: hexBuffer('09 05 01  04 01  06 03 "x"'), decoded: [[1, 'x']] },
  {
    name: 'associative array',
    bytes: hexBuffer('09 01  03 "a" 04 01  03 "b" 02  01'),
    decoded: [AmfEcmaArray.from({ a: 1, b: false })],
  },
  {
    name: 'mixed array (dense entries become index keys)',
    bytes: hexBuffer('09 03  03 "k" 03  01  04 07'),
    decoded: [AmfEcmaArray.from({ k: true, 0: 7 })],
    encodes: false,
  },
  {
    name: 'anonymous dynamic object',
    bytes: hexBuffer('0a 0b 01   03 "a" 04 01   03 "b" 06 03 "x"   01'),
    decoded: [{ a: 1, b: 'x' }],
  },
  {
    name: 'sealed typed object',
    bytes: hexBuffer('0a 23 07 "Foo"  03 "x" 03 "y"  04 01  04 02'),
    decoded: [new AmfTypedObject('Foo', { x: 1, y: 2 })],
  },
  {
    name: 'second object reusing the traits of the first',
    bytes: hexBuffer('0a 13 07 "Foo" 03 "x" 04 01    0a 01 04 02'),
    decoded: [new AmfTypedObject('Foo', { x: 1 }), new AmfTypedObject('Foo', { x: 2 })],
    encodes: false,
  },
  {
    name: 'object reference',
    bytes: hexBuffer('0a 0b 01 03 "a" 01 01   0a 00'),
    decoded: [{ a: null }, { a: null }],
    encodes: false,
  },
  { name: 'byte array', bytes: hexBuffer('0c 07 010203'), decoded: [Uint8Array.from([1, 2, 3])] },
];

const errors: AmfError[] = [
  { name: 'truncated U29', bytes: hexBuffer('04 ff'), code: 'AMF_TRUNCATED' },
  { name: 'truncated double', bytes: hexBuffer('05 3ff8'), code: 'AMF_TRUNCATED' },
  { name: 'string reference past the table', bytes: hexBuffer('06 02'), code: 'AMF_BAD_REFERENCE' },
  { name: 'object reference past the table', bytes: hexBuffer('0a 02'), code: 'AMF_BAD_REFERENCE' },
  { name: 'traits reference past the table', bytes: hexBuffer('0a 05'), code: 'AMF_BAD_REFERENCE' },
  { name: 'externalizable object', bytes: hexBuffer('0a 07 07 "Foo"'), code: 'AMF_EXTERNALIZABLE' },
  { name: 'vector', bytes: hexBuffer('0d 03 00 04 01'), code: 'AMF_UNSUPPORTED' },
  { name: 'unknown marker', bytes: hexBuffer('20'), code: 'AMF_BAD_MARKER' },
  { name: 'string over the limit', bytes: hexBuffer('06 bfffffff'), code: 'AMF_STRING_TOO_LONG' },
  { name: 'array over the limit', bytes: hexBuffer('09 bfffffff'), code: 'AMF_ARRAY_TOO_LONG' },
  { name: 'arrays nested too deep', bytes: Buffer.concat(Array.from({ length: 40 }, () => hexBuffer('09 03 01'))), code: 'AMF_TOO_DEEP' },
];

describe('AMF3', () => {
  itAmfCodec({ decode: decodeAmf3, encode: encodeAmf3 }, cases, errors, 7);
});
