import { ProtocolError } from '../protocol-error.js';
import { ByteWriter } from './byte-writer.js';
import { AmfEcmaArray, AmfTypedObject, AmfXmlDocument } from './amf-values.js';

const INT_MIN = -(2 ** 28);
const INT_MAX = 2 ** 28 - 1;

/**
 * Encodes JS values as AMF3 into a writer, with a string reference table (repeated non-empty
 * strings become references). Plain objects become anonymous dynamic objects, AmfTypedObject a
 * sealed object of its class, AmfEcmaArray an array with only an associative part.
 */
export class Amf3Encoder {
  private readonly strings = new Map<string, number>();

  constructor(private readonly out: ByteWriter) {}

  writeValue(value: unknown): void {
    const out = this.out;
    if (value === undefined) out.u8(0x00);
    else if (value === null) out.u8(0x01);
    else if (value === false) out.u8(0x02);
    else if (value === true) out.u8(0x03);
    else if (typeof value === 'number') {
      if (Number.isInteger(value) && value >= INT_MIN && value <= INT_MAX && !Object.is(value, -0)) {
        out.u8(0x04);
        this.writeU29(value & 0x1fffffff);
      } else {
        out.u8(0x05).f64(value);
      }
    } else if (typeof value === 'string') {
      out.u8(0x06);
      this.writeString(value);
    } else if (value instanceof AmfXmlDocument) {
      const bytes = Buffer.from(value.xml, 'utf8');
      out.u8(0x0b);
      this.writeU29((bytes.length << 1) | 1);
      out.bytes(bytes);
    } else if (value instanceof Date) {
      out.u8(0x08).u8(0x01).f64(value.getTime());
    } else if (value instanceof Uint8Array) {
      out.u8(0x0c);
      this.writeU29((value.byteLength << 1) | 1);
      out.bytes(value);
    } else if (Array.isArray(value)) {
      out.u8(0x09);
      this.writeU29((value.length << 1) | 1);
      out.u8(0x01);
      for (const item of value) this.writeValue(item);
    } else if (value instanceof AmfEcmaArray) {
      out.u8(0x09).u8(0x01);
      for (const [key, item] of Object.entries(value)) {
        this.writeString(key);
        this.writeValue(item);
      }
      out.u8(0x01);
    } else if (value instanceof AmfTypedObject) {
      const keys = Object.keys(value.properties);
      out.u8(0x0a);
      this.writeU29((keys.length << 4) | 0x03);
      this.writeString(value.className);
      for (const key of keys) this.writeString(key);
      for (const key of keys) this.writeValue(value.properties[key]);
    } else if (typeof value === 'object') {
      out.u8(0x0a).u8(0x0b).u8(0x01);
      for (const [key, item] of Object.entries(value)) {
        this.writeString(key);
        this.writeValue(item);
      }
      out.u8(0x01);
    } else {
      throw new ProtocolError('AMF_UNENCODABLE', `cannot encode ${typeof value} as AMF3`);
    }
  }

  writeU29(value: number): void {
    const v = value & 0x1fffffff;
    const out = this.out;
    if (v < 0x80) out.u8(v);
    else if (v < 0x4000) out.u8((v >> 7) | 0x80).u8(v & 0x7f);
    else if (v < 0x200000) out.u8((v >> 14) | 0x80).u8(((v >> 7) & 0x7f) | 0x80).u8(v & 0x7f);
    else out.u8((v >> 22) | 0x80).u8(((v >> 15) & 0x7f) | 0x80).u8(((v >> 8) & 0x7f) | 0x80).u8(v & 0xff);
  }

  writeString(value: string): void {
    if (value === '') {
      this.out.u8(0x01);
      return;
    }
    const ref = this.strings.get(value);
    if (ref !== undefined) {
      this.writeU29(ref << 1);
      return;
    }
    this.strings.set(value, this.strings.size);
    const bytes = Buffer.from(value, 'utf8');
    this.writeU29((bytes.length << 1) | 1);
    this.out.bytes(bytes);
  }
}

/** Encodes `values` as consecutive AMF3 values in one reference context. */
export function encodeAmf3(...values: unknown[]): Buffer {
  const out = new ByteWriter();
  const encoder = new Amf3Encoder(out);
  for (const value of values) encoder.writeValue(value);
  return out.finish();
}
