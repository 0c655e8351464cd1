import { describe, expect, it } from 'vitest';
import { decodeAmf0 } from '#ingest/protocols/amf/amf0-decoder.js';
import { encodeAmf0 } from '#ingest/protocols/amf/amf0-encoder.js';
import { AmfEcmaArray, AmfTypedObject, AmfXmlDocument } from '#ingest/protocols/amf/amf-values.js';
import { hexBuffer } from '#test/support/feeding.js';
import { type AmfCase, type AmfError, itAmfCodec } from './amf-codec-tests.js';


const cases: AmfCase[] = [
  { name: 'number 1.5', bytes: hexBuffer('00 3ff8000000000000'), decoded: [1.5] },
  { name: 'boolean true and false', bytes: hexBuffer('01 01  01 00'), decoded: [true, false] },
  { name: 'string', bytes: hexBuffer('02 0007 "connect"'), decoded: ['connect'] },
  { name: 'empty string', bytes: hexBuffer('02 0000'), decoded: [''] },
  { name: 'utf-8 string', bytes: hexBuffer('02 0003 e282ac'), decoded: ['€'] },
  {
    name: 'object',
    bytes: hexBuffer(`03
      0003 "app" 02 0004 "live"      # app: "live"
      0004 "fpad" 01 00              # fpad: false
      0000 09                        # object end`),
    decoded: [{ app: 'live', fpad: false }],
  },
  { name: 'null and undefined', bytes: hexBuffer('05 06'), decoded: [null, undefined] },
  {
    name: 'ECMA array',
    bytes: hexBuffer(`08 00000002
      0005 "width" 00 4074000000000000   # width: 320
      0006 "stereo" 01 01                # stereo: true
      0000 09`),
    decoded: [AmfEcmaArray.from({ width: 320, stereo: true })],
  },
  {
    name: 'ECMA array with a wrong count hint',
    bytes: hexBuffer('08 00000000  0001 "a" 00 3ff0000000000000  0000 09'),
    decoded: [AmfEcmaArray.from({ a: 1 })],
    encodes: false,
  },
  {
    name: 'strict array',
    bytes: hexBuffer('0a 00000002  00 3ff0000000000000  02 0001 "x"'),
    decoded: [[1, 'x']],
  },
  { name: 'date', bytes: hexBuffer('0b 4271f71fb0450000 0000'), decoded: [new Date(1234567890000)] },
  {
    name: 'long string',
    bytes: Buffer.concat([hexBuffer('0c 00010000'), Buffer.alloc(0x10000, 0x61)]),
    decoded: ['a'.repeat(0x10000)],
  },
  { name: 'XML document', bytes: hexBuffer('0f 00000004 "<a/>"'), decoded: [new AmfXmlDocument('<a/>')] },
  {
    name: 'typed object',
    bytes: hexBuffer('10 0003 "Foo"  0001 "n" 00 4000000000000000  0000 09'),
    decoded: [new AmfTypedObject('Foo', { n: 2 })],
  },
  {
    name: 'reference to an earlier object',
    bytes: hexBuffer('03 0001 "a" 05 0000 09   07 0000'),
    decoded: [{ a: null }, { a: null }],
    encodes: false,
  },
  {
    name: 'AVM+ switch to an AMF3 integer',
    bytes: hexBuffer('11 04 7f'),
    decoded: [127],
    encodes: false,
  },
  { name: 'AVM+ switch to an AMF3 byte array', bytes: hexBuffer('11 0c 05 0102'), decoded: [Uint8Array.from([1, 2])] },
  { name: 'unsupported marker decodes as undefined', bytes: hexBuffer('0d'), decoded: [undefined], encodes: false },
  {
    name: 'connect command',
    bytes: hexBuffer(`02 0007 "connect"  00 3ff0000000000000
      03 0003 "app" 02 0004 "live"  0005 "tcUrl" 02 0015 "rtmp://localhost/live"
      0000 09`),
    decoded: ['connect', 1, { app: 'live', tcUrl: 'rtmp://localhost/live' }],
  },
];

const errors: AmfError[] = [
  { name: 'truncated number', bytes: hexBuffer('00 3ff8'), code: 'AMF_TRUNCATED' },
  { name: 'truncated string', bytes: hexBuffer('02 0005 "abc"'), code: 'AMF_TRUNCATED' },
  { name: 'object without end', bytes: hexBuffer('03 0001 "a" 05'), code: 'AMF_TRUNCATED' },
  { name: 'bare object end marker', bytes: hexBuffer('09'), code: 'AMF_BAD_MARKER' },
  { name: 'movieclip marker', bytes: hexBuffer('04'), code: 'AMF_BAD_MARKER' },
  { name: 'unknown marker', bytes: hexBuffer('42'), code: 'AMF_BAD_MARKER' },
  { name: 'reference past the table', bytes: hexBuffer('07 0000'), code: 'AMF_BAD_REFERENCE' },
  { name: 'long string over the limit', bytes: hexBuffer('0c 00100000'), code: 'AMF_STRING_TOO_LONG' },
  { name: 'strict array over the limit', bytes: hexBuffer('0a 7fffffff'), code: 'AMF_ARRAY_TOO_LONG' },
  { name: 'strict array longer than its payload', bytes: hexBuffer('0a 00000010 05'), code: 'AMF_TRUNCATED' },
  { name: 'ECMA array count over the limit', bytes: hexBuffer('08 ffffffff'), code: 'AMF_ARRAY_TOO_LONG' },
  { name: 'objects nested too deep', bytes: Buffer.concat(Array.from({ length: 40 }, () => hexBuffer('03 0001 "a"'))), code: 'AMF_TOO_DEEP' },
];

describe('AMF0', () => {
  itAmfCodec({ decode: decodeAmf0, encode: encodeAmf0 }, cases, errors, 42);

  it('decodes ECMA arrays to AmfEcmaArray so re-encoding keeps the ECMA marker', () => {
    const [value] = decodeAmf0(hexBuffer('08 00000001 0001 "a" 05 0000 09'));
    expect(value).toBeInstanceOf(AmfEcmaArray);
    expect(encodeAmf0(value)[0]).toBe(0x08);
  });

  it('keeps a __proto__ key as data and never touches the prototype', () => {
    const [value] = decodeAmf0(hexBuffer('03 0009 "__proto__" 03 0001 "x" 01 01 0000 09 0000 09')) as [Record<string, unknown>];
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
