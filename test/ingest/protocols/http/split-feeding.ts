/**
 * Test helpers shared by the sans-I/O parser tests of this area: deterministic randomness,
 * annotated hex, and the three ways every input is fed (whole, byte by byte, random splits).
 */

/** mulberry32: a small seeded PRNG so fuzz failures reproduce. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bytes from hex with `#` comments and any whitespace: `hex('03 # type\n 00 01')`. */
export function hex(annotated: string): Uint8Array {
  const digits = annotated.replace(/#[^\n]*/g, '').replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`bad hex: ${digits}`);
  return new Uint8Array(Buffer.from(digits, 'hex'));
}

/** Latin-1 bytes of a string. */
export function ascii(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

/** The splits every decoder test feeds: whole, byte by byte, and `randomRuns` random cuttings. */
export function splittings(bytes: Uint8Array, seed = 1, randomRuns = 5): { name: string; parts: Uint8Array[] }[] {
  const out = [{ name: 'whole', parts: [bytes] }];
  out.push({ name: 'byte by byte', parts: Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)) });
  const rnd = seededRandom(seed);
  for (let r = 0; r < randomRuns; r++) {
    const parts: Uint8Array[] = [];
    let pos = 0;
    while (pos < bytes.length) {
      const n = 1 + Math.floor(rnd() * Math.min(64, bytes.length - pos));
      parts.push(bytes.subarray(pos, pos + n));
      pos += n;
    }
    out.push({ name: `random split ${r}`, parts });
  }
  return out;
}

/** A copy of `bytes` with 1–4 random byte changes (flip, set, insert, delete). */
export function mutate(bytes: Uint8Array, rnd: () => number): Uint8Array {
  const arr = Array.from(bytes);
  const edits = 1 + Math.floor(rnd() * 4);
  for (let e = 0; e < edits; e++) {
    const i = Math.floor(rnd() * (arr.length + 1));
    const op = Math.floor(rnd() * 4);
    const b = Math.floor(rnd() * 256);
    if (op === 0 && i < arr.length) arr[i] = arr[i]! ^ (1 << Math.floor(rnd() * 8));
    else if (op === 1 && i < arr.length) arr[i] = b;
    else if (op === 2) arr.splice(i, 0, b);
    else if (i < arr.length) arr.splice(i, 1);
  }
  return Uint8Array.from(arr);
}
