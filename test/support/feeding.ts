/**
 * How the sans-I/O decoder tests build and feed their input: annotated hex, deterministic
 * randomness, and the ways every input is fed (whole, byte by byte, at seeded random split points).
 */

/** mulberry32: a small seeded PRNG, so random splits and fuzz failures reproduce. */
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

/**
 * Annotated hex → bytes: whitespace is ignored, `#` starts a comment to the end of the line, and
 * `"text"` inserts the text's UTF-8 bytes: `hex('02 0007 "connect" # AMF0 string')`. Anything
 * else, or an odd number of digits between strings, throws.
 */
export function hex(annotated: string): Uint8Array {
  const parts: Buffer[] = [];
  for (const line of annotated.split('\n')) {
    const code = line.replace(/#.*$/, '');
    const token = /\s*(?:"([^"]*)"|([0-9a-fA-F][0-9a-fA-F\s]*))/y;
    let m: RegExpExecArray | null;
    let at = 0;
    while (at < code.length && (m = token.exec(code)) !== null) {
      at = token.lastIndex;
      if (m[1] !== undefined) parts.push(Buffer.from(m[1], 'utf8'));
      else if (m[2] !== undefined) {
        const digits = m[2].replace(/\s+/g, '');
        if (digits.length % 2) throw new Error(`odd hex digits in: ${line}`);
        parts.push(Buffer.from(digits, 'hex'));
      }
    }
    if (code.slice(at).trim() !== '') throw new Error(`bad hex: ${code.slice(at).trim()}`);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** {@link hex} as a Buffer, for tests of codecs that take and return Buffers (RTMP, AMF, FLV tags). */
export function hexBuffer(annotated: string): Buffer {
  const bytes = hex(annotated);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Latin-1 bytes of a string. */
export function ascii(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

/** `bytes` cut into pieces of 1–64 bytes at points drawn from `random`. */
export function randomSplits(bytes: Uint8Array, random: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const n = 1 + Math.floor(random() * Math.min(64, bytes.length - offset));
    out.push(bytes.subarray(offset, offset + n));
    offset += n;
  }
  return out;
}

/** One way of feeding an input: its name (for test titles) and the pieces in order. */
export interface Feeding {
  name: string;
  parts: Uint8Array[];
}

/** Options of {@link feedings}. */
export interface FeedingOptions {
  /** One random cutting per seed, in order (default 1, 2, 3). */
  seeds?: readonly number[];
  /** The test-title name of the cutting made with `seed` (default `random split SEED`). */
  randomName?: (seed: number) => string;
}

/**
 * Every way a decoder test feeds one input: whole, byte by byte, then one random cutting per seed
 * (so `feedings(b)[2]` is the first random cutting).
 */
export function feedings(bytes: Uint8Array, options: FeedingOptions = {}): Feeding[] {
  const { seeds = [1, 2, 3], randomName = (seed: number) => `random split ${seed}` } = options;
  return [
    { name: 'whole', parts: [bytes] },
    { name: 'byte by byte', parts: Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)) },
    ...seeds.map((seed) => ({ name: randomName(seed), parts: randomSplits(bytes, seededRandom(seed)) })),
  ];
}

/** Whole, byte by byte and a single random cutting named `random splits` (the media decoders' tests). */
export const ONE_RANDOM_SPLIT: FeedingOptions = { seeds: [1], randomName: () => 'random splits' };
