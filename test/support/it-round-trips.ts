import { expect, it } from 'vitest';

/** A row of a codec's case table: its name, the value it decodes to, and its wire form under some key. */
export type RoundTripCase<K extends string, W, V> = { name: string; decoded: V; /** false: the encoder writes another (canonical) form. */ encodes?: boolean } & Record<K, W>;

/** The test names of the two directions for a case name. */
export interface RoundTripTitles {
  decode: (name: string) => string;
  encode: (name: string) => string;
}

const comparable = (x: unknown): unknown => (x instanceof Uint8Array ? Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('hex') : x);

/**
 * The decode and encode half of a case table (STYLE.md habit 3): per case, decode(wire) equals
 * `decoded`; per case not marked `encodes: false`, encode(decoded) gives the same wire form back
 * (bytes compared as hex, so a failure shows where they differ). `wire` names the table's key of
 * the wire form (`bytes`, `text`).
 */
export function itRoundTrips<K extends string, W, V>(
  cases: readonly RoundTripCase<K, W, V>[],
  wire: K,
  decode: (wire: W) => V,
  encode: (decoded: V) => W,
  titles: RoundTripTitles = { decode: (name) => `decodes ${name}`, encode: (name) => `encodes ${name}` },
): void {
  for (const c of cases) {
    it(titles.decode(c.name), () => {
      expect(decode(c[wire])).toEqual(c.decoded);
    });
    if (c.encodes === false) continue;
    it(titles.encode(c.name), () => {
      expect(comparable(encode(c.decoded))).toEqual(comparable(c[wire]));
    });
  }
}
