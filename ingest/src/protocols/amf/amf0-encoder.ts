import { ProtocolError } from '../protocol-error.js';
import { AMF0 } from './amf0-decoder.js';
import { Amf3Encoder } from './amf3-encoder.js';
import { AmfEcmaArray, AmfTypedObject, AmfXmlDocument } from './amf-values.js';
import { ByteWriter } from './byte-writer.js';

/**
 * Writes one AMF0 value. Strings longer than 65535 UTF-8 bytes become long strings; Uint8Array
 * (no AMF0 type) is written as an AVM+ switch to an AMF3 ByteArray. No references are emitted.
 */
export function writeAmf0Value(out: ByteWriter, value: unknown): void {
  if (typeof value === 'number') out.u8(AMF0.number).f64(value);
  else if (typeof value === 'boolean') out.u8(AMF0.boolean).u8(value ? 1 : 0);
  else if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > 0xffff) out.u8(AMF0.longString).u32(bytes.length).bytes(bytes);
    else out.u8(AMF0.string).u16(bytes.length).bytes(bytes);
  } else if (value === null) out.u8(AMF0.null);
  else if (value === undefined) out.u8(AMF0.undefined);
  else if (value instanceof Date) out.u8(AMF0.date).f64(value.getTime()).s16(0);
  else if (value instanceof AmfXmlDocument) {
    const bytes = Buffer.from(value.xml, 'utf8');
    out.u8(AMF0.xmlDocument).u32(bytes.length).bytes(bytes);
  } else if (value instanceof Uint8Array) {
    out.u8(AMF0.avmPlus);
    new Amf3Encoder(out).writeValue(value);
  } else if (Array.isArray(value)) {
    out.u8(AMF0.strictArray).u32(value.length);
    for (const item of value) writeAmf0Value(out, item);
  } else if (value instanceof AmfEcmaArray) {
    const entries = Object.entries(value);
    out.u8(AMF0.ecmaArray).u32(entries.length);
    writeProperties(out, entries);
  } else if (value instanceof AmfTypedObject) {
    const name = Buffer.from(value.className, 'utf8');
    out.u8(AMF0.typedObject).u16(name.length).bytes(name);
    writeProperties(out, Object.entries(value.properties));
  } else if (typeof value === 'object') {
    out.u8(AMF0.object);
    writeProperties(out, Object.entries(value));
  } else {
    throw new ProtocolError('AMF_UNENCODABLE', `cannot encode ${typeof value} as AMF0`);
  }
}

function writeProperties(out: ByteWriter, entries: [string, unknown][]): void {
  for (const [key, item] of entries) {
    const bytes = Buffer.from(key, 'utf8');
    out.u16(bytes.length).bytes(bytes);
    writeAmf0Value(out, item);
  }
  out.u16(0).u8(AMF0.objectEnd);
}

/** Encodes `values` as consecutive AMF0 values (e.g. a command: name, transaction id, object…). */
export function encodeAmf0(...values: unknown[]): Buffer {
  const out = new ByteWriter();
  for (const value of values) writeAmf0Value(out, value);
  return out.finish();
}
