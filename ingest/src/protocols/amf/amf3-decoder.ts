import { ProtocolError, checkLimit } from '../protocol-error.js';
import { type AmfLimits, DEFAULT_AMF_LIMITS } from './amf-limits.js';
import { AmfReader } from './amf-reader.js';
import { AmfValueDecoder } from './amf-value-decoder.js';
import { AmfEcmaArray, AmfTypedObject, AmfXmlDocument, defineEntry } from './amf-values.js';

interface Traits {
  readonly className: string;
  readonly dynamic: boolean;
  readonly sealed: readonly string[];
}

/**
 * Decodes AMF3 values (AMF 3 spec, 2008) from a reader, keeping the string, object and traits
 * reference tables of one AMF3 context. Vectors and Dictionary raise `AMF_UNSUPPORTED`,
 * externalizable objects `AMF_EXTERNALIZABLE`.
 */
export class Amf3Decoder extends AmfValueDecoder {
  private readonly strings: string[] = [];
  private readonly objects: unknown[] = [];
  private readonly traits: Traits[] = [];

  protected readMarked(marker: number, depth: number): unknown {
    switch (marker) {
      case 0x00:
        return undefined;
      case 0x01:
        return null;
      case 0x02:
        return false;
      case 0x03:
        return true;
      case 0x04: {
        const u = this.readU29();
        return u & 0x10000000 ? u - 0x20000000 : u;
      }
      case 0x05:
        return this.reader.f64();
      case 0x06:
        return this.readString();
      case 0x07:
      case 0x0b:
        return this.readXml();
      case 0x08:
        return this.readDate();
      case 0x09:
        return this.readArray(depth);
      case 0x0a:
        return this.readObject(depth);
      case 0x0c:
        return this.readByteArray();
      case 0x0d:
      case 0x0e:
      case 0x0f:
      case 0x10:
      case 0x11:
        throw new ProtocolError('AMF_UNSUPPORTED', `AMF3 marker 0x${marker.toString(16)} (vector/dictionary) not supported`);
      default:
        throw new ProtocolError('AMF_BAD_MARKER', `unknown AMF3 marker 0x${marker.toString(16)}`);
    }
  }

  /** U29: 1-4 bytes, 7 bits per byte with a continuation bit, the 4th byte whole. */
  readU29(): number {
    let value = 0;
    for (let i = 0; i < 3; i++) {
      const b = this.reader.u8();
      value = (value << 7) | (b & 0x7f);
      if (!(b & 0x80)) return value;
    }
    return ((value << 8) | this.reader.u8()) >>> 0;
  }

  private reference<T>(table: readonly T[], index: number, what: string): T {
    if (index >= table.length) {
      throw new ProtocolError('AMF_BAD_REFERENCE', `AMF3 ${what} reference ${index} out of range (table has ${table.length})`);
    }
    return table[index];
  }

  /** A UTF-8-vr string (also used for keys and class names). */
  readString(): string {
    const header = this.readU29();
    if (!(header & 1)) return this.reference(this.strings, header >>> 1, 'string');
    const length = header >>> 1;
    checkLimit('AMF_STRING_TOO_LONG', 'AMF3 string length', length, this.limits.amfMaxStringLength);
    if (length === 0) return '';
    const value = this.reader.utf8(length);
    this.strings.push(value);
    return value;
  }

  /**
   * A value of the object table that has no members (XML, date, byte array): a reference to one
   * read before, or a new one `read` after its U29 header (given the header's length bits).
   */
  private leafObject<T>(read: (length: number) => T): T {
    const header = this.readU29();
    if (!(header & 1)) return this.reference(this.objects, header >>> 1, 'object') as T;
    const value = read(header >>> 1);
    this.objects.push(value);
    return value;
  }

  private readXml(): AmfXmlDocument {
    return this.leafObject((length) => {
      checkLimit('AMF_STRING_TOO_LONG', 'AMF3 XML length', length, this.limits.amfMaxStringLength);
      return new AmfXmlDocument(this.reader.utf8(length));
    });
  }

  private readDate(): Date {
    return this.leafObject(() => new Date(this.reader.f64()));
  }

  private readByteArray(): Uint8Array {
    return this.leafObject((length) => {
      checkLimit('AMF_STRING_TOO_LONG', 'AMF3 byte array length', length, this.limits.amfMaxStringLength);
      return Uint8Array.from(this.reader.take(length));
    });
  }

  private readArray(depth: number): unknown[] | AmfEcmaArray {
    const header = this.readU29();
    if (!(header & 1)) return this.reference(this.objects, header >>> 1, 'object') as unknown[];
    const denseLength = header >>> 1;
    checkLimit('AMF_ARRAY_TOO_LONG', 'AMF3 array length', denseLength, this.limits.amfMaxArrayLength);
    let key = this.readString();
    if (key === '') {
      const array: unknown[] = [];
      this.objects.push(array);
      for (let i = 0; i < denseLength; i++) array.push(this.readValue(depth + 1));
      return array;
    }
    // An associative part makes it an ECMA array; dense entries become keys "0".."n-1".
    const ecma = new AmfEcmaArray();
    this.objects.push(ecma);
    let count = 0;
    while (key !== '') {
      checkLimit('AMF_ARRAY_TOO_LONG', 'AMF3 array entries', ++count, this.limits.amfMaxArrayLength);
      defineEntry(ecma, key, this.readValue(depth + 1));
      key = this.readString();
    }
    for (let i = 0; i < denseLength; i++) defineEntry(ecma, String(i), this.readValue(depth + 1));
    return ecma;
  }

  private readObject(depth: number): unknown {
    const header = this.readU29();
    if (!(header & 1)) return this.reference(this.objects, header >>> 1, 'object');
    let traits: Traits;
    if (!(header & 2)) {
      traits = this.reference(this.traits, header >>> 2, 'traits');
    } else {
      if (header & 4) {
        throw new ProtocolError('AMF_EXTERNALIZABLE', 'AMF3 externalizable objects are not supported');
      }
      const sealedCount = header >>> 4;
      checkLimit('AMF_ARRAY_TOO_LONG', 'AMF3 sealed member count', sealedCount, this.limits.amfMaxArrayLength);
      const className = this.readString();
      const sealed: string[] = [];
      for (let i = 0; i < sealedCount; i++) sealed.push(this.readString());
      traits = { className, dynamic: (header & 8) !== 0, sealed };
      this.traits.push(traits);
    }
    const properties: Record<string, unknown> = {};
    const result = traits.className === '' ? properties : new AmfTypedObject(traits.className, properties);
    this.objects.push(result);
    for (const name of traits.sealed) defineEntry(properties, name, this.readValue(depth + 1));
    if (traits.dynamic) {
      let count = traits.sealed.length;
      for (let key = this.readString(); key !== ''; key = this.readString()) {
        checkLimit('AMF_ARRAY_TOO_LONG', 'AMF3 object members', ++count, this.limits.amfMaxArrayLength);
        defineEntry(properties, key, this.readValue(depth + 1));
      }
    }
    return result;
  }
}

/** Decodes every AMF3 value in `bytes` (one reference context). */
export function decodeAmf3(bytes: Uint8Array, limits: AmfLimits = DEFAULT_AMF_LIMITS): unknown[] {
  return new Amf3Decoder(new AmfReader(bytes), limits).readAll();
}
