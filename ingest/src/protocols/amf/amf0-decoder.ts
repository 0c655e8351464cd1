import { ProtocolError, checkLimit } from '../protocol-error.js';
import { type AmfLimits, DEFAULT_AMF_LIMITS } from './amf-limits.js';
import { AmfReader } from './amf-reader.js';
import { AmfValueDecoder } from './amf-value-decoder.js';
import { AmfEcmaArray, AmfTypedObject, AmfXmlDocument, defineEntry } from './amf-values.js';
import { Amf3Decoder } from './amf3-decoder.js';

/** AMF0 type markers (AMF 0 spec §2.1). */
export const AMF0 = {
  number: 0x00,
  boolean: 0x01,
  string: 0x02,
  object: 0x03,
  movieclip: 0x04,
  null: 0x05,
  undefined: 0x06,
  reference: 0x07,
  ecmaArray: 0x08,
  objectEnd: 0x09,
  strictArray: 0x0a,
  date: 0x0b,
  longString: 0x0c,
  unsupported: 0x0d,
  recordset: 0x0e,
  xmlDocument: 0x0f,
  typedObject: 0x10,
  avmPlus: 0x11,
} as const;

/**
 * Decodes AMF0 values from a reader, keeping the object reference table of one message.
 * AVM+ switch (0x11) decodes the next value as AMF3 and returns it.
 */
export class Amf0Decoder extends AmfValueDecoder {
  private readonly references: unknown[] = [];

  protected readMarked(marker: number, depth: number): unknown {
    const r = this.reader;
    switch (marker) {
      case AMF0.number:
        return r.f64();
      case AMF0.boolean:
        return r.u8() !== 0;
      case AMF0.string:
        return this.readString(r.u16());
      case AMF0.longString:
        return this.readString(r.u32());
      case AMF0.object: {
        const object: Record<string, unknown> = {};
        this.references.push(object);
        this.readProperties(object, depth);
        return object;
      }
      case AMF0.null:
        return null;
      case AMF0.undefined:
      case AMF0.unsupported:
        return undefined;
      case AMF0.reference: {
        const index = r.u16();
        if (index >= this.references.length) {
          throw new ProtocolError(
            'AMF_BAD_REFERENCE',
            `AMF0 reference ${index} out of range (table has ${this.references.length})`,
          );
        }
        return this.references[index];
      }
      case AMF0.ecmaArray: {
        // The count is only a hint (FFmpeg writes it, some encoders write 0); the object end ends it.
        const count = r.u32();
        checkLimit('AMF_ARRAY_TOO_LONG', 'AMF0 ECMA array count', count, this.limits.amfMaxArrayLength);
        const array = new AmfEcmaArray();
        this.references.push(array);
        this.readProperties(array, depth);
        return array;
      }
      case AMF0.strictArray: {
        const count = r.u32();
        checkLimit('AMF_ARRAY_TOO_LONG', 'AMF0 strict array length', count, this.limits.amfMaxArrayLength);
        // Every element takes at least one byte: refuse counts the payload cannot hold.
        r.need(count);
        const array: unknown[] = [];
        this.references.push(array);
        for (let i = 0; i < count; i++) array.push(this.readValue(depth + 1));
        return array;
      }
      case AMF0.date: {
        const ms = r.f64();
        r.s16(); // time zone: reserved, should be 0 (spec §2.13)
        return new Date(ms);
      }
      case AMF0.xmlDocument:
        return new AmfXmlDocument(this.readString(r.u32()));
      case AMF0.typedObject: {
        const className = this.readString(r.u16());
        const properties: Record<string, unknown> = {};
        const typed = new AmfTypedObject(className, properties);
        this.references.push(typed);
        this.readProperties(properties, depth);
        return typed;
      }
      case AMF0.avmPlus:
        return new Amf3Decoder(r, this.limits).readValue(depth);
      default:
        throw new ProtocolError('AMF_BAD_MARKER', `unexpected AMF0 marker 0x${marker.toString(16)}`);
    }
  }

  private readString(length: number): string {
    checkLimit('AMF_STRING_TOO_LONG', 'AMF0 string length', length, this.limits.amfMaxStringLength);
    return this.reader.utf8(length);
  }

  /** Key/value pairs up to the empty key + object-end marker (spec §2.5). */
  private readProperties(target: object, depth: number): void {
    const r = this.reader;
    let count = 0;
    for (;;) {
      const keyLength = r.u16();
      if (keyLength === 0 && r.peekU8() === AMF0.objectEnd) {
        r.offset += 1;
        return;
      }
      checkLimit('AMF_ARRAY_TOO_LONG', 'AMF0 object members', ++count, this.limits.amfMaxArrayLength);
      const key = this.readString(keyLength);
      defineEntry(target, key, this.readValue(depth + 1));
    }
  }
}

/** Decodes every AMF0 value in `bytes` (a command or data message body). */
export function decodeAmf0(bytes: Uint8Array, limits: AmfLimits = DEFAULT_AMF_LIMITS): unknown[] {
  return new Amf0Decoder(new AmfReader(bytes), limits).readAll();
}
