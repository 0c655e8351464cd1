/**
 * JS shapes for AMF values that have no natural JS equivalent. Plain objects, arrays, strings,
 * numbers, booleans, null, undefined, Date and Uint8Array (AMF3 ByteArray) map directly.
 */

/**
 * An AMF0 ECMA array (or an AMF3 array with associative keys): decoded to this class so that
 * re-encoding keeps the ECMA array marker. Own enumerable properties are the entries.
 */
export class AmfEcmaArray {
  [key: string]: unknown;

  /** Builds an ECMA array from the entries of `values`. */
  static from(values: Record<string, unknown>): AmfEcmaArray {
    const array = new AmfEcmaArray();
    for (const [key, value] of Object.entries(values)) defineEntry(array, key, value);
    return array;
  }
}

/** An AMF0 typed object / AMF3 object with a class name. */
export class AmfTypedObject {
  constructor(
    readonly className: string,
    readonly properties: Record<string, unknown>,
  ) {}
}

/** An AMF0 XML document / AMF3 XML or XMLDocument: the XML text, unparsed. */
export class AmfXmlDocument {
  constructor(readonly xml: string) {}
}

/**
 * Sets an own enumerable property even for keys like `__proto__`, so that a peer-chosen key can
 * never reach an object's prototype.
 */
export function defineEntry(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
