import { expect, it } from 'vitest';
import { codeOf } from '#test/support/expect-code.js';
import { fuzz } from '#test/support/fuzz.js';
import { itRoundTrips } from '#test/support/it-round-trips.js';

/** A row of an AMF case table: bytes and the values they decode to. */
export interface AmfCase {
  name: string;
  bytes: Buffer;
  decoded: unknown[];
  /** false when the encoder writes a different (canonical) form. */
  encodes?: boolean;
}

/** Bytes an AMF decoder refuses, and the code it refuses them with. */
export interface AmfError {
  name: string;
  bytes: Buffer;
  code: string;
}

/**
 * The tests both AMF versions share, from their case tables: decode and encode every case, refuse
 * every error case with its code, and only ever raise ProtocolError on mutated case bytes.
 */
export function itAmfCodec(
  codec: { decode: (bytes: Buffer) => unknown[]; encode: (...values: unknown[]) => Buffer },
  cases: readonly AmfCase[],
  errors: readonly AmfError[],
  fuzzSeed: number,
): void {
  itRoundTrips(cases, 'bytes', codec.decode, (decoded) => codec.encode(...decoded), {
    decode: (name) => `decodes ${name}`,
    encode: (name) => `encodes ${name} to the same bytes`,
  });

  it.each(errors)('rejects $name with $code', ({ bytes, code }) => {
    expect(codeOf(() => codec.decode(bytes))).toBe(code);
  });

  it('only ever raises ProtocolError on randomly mutated case bytes', () => {
    fuzz(cases.map((c) => c.bytes), (input) => codec.decode(input), Math.ceil(3000 / cases.length), fuzzSeed);
  });
}
