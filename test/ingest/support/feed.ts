import { expect } from 'vitest';
import { ProtocolError } from '../../../ingest/src/protocols/protocol-error.js';

/** Deterministic PRNG (mulberry32) so fuzz failures reproduce. */
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

/** Bytes from annotated hex: whitespace and `# comments` to end of line are ignored. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/#[^\n]*/g, '').replace(/\s+/g, '');
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

/** The ways every decoder input is fed: whole, byte by byte, and at seeded random split points. */
export function splitWays(bytes: Uint8Array, seed = 1): { name: string; chunks: Uint8Array[] }[] {
  const rand = seededRandom(seed);
  const random: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; ) {
    const n = 1 + Math.floor(rand() * Math.min(64, bytes.length - o));
    random.push(bytes.subarray(o, o + n));
    o += n;
  }
  const bytewise: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i++) bytewise.push(bytes.subarray(i, i + 1));
  return [
    { name: 'whole', chunks: [bytes] },
    { name: 'byte by byte', chunks: bytewise },
    { name: 'random splits', chunks: random },
  ];
}

/** Random damage: flipped bytes, truncation, inserted or removed bytes. */
export function mutate(bytes: Uint8Array, rand: () => number): Uint8Array {
  const out = Array.from(bytes);
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * Math.max(1, out.length));
    const op = rand();
    if (op < 0.6) out[at] = Math.floor(rand() * 256);
    else if (op < 0.75) out.splice(at, 1);
    else if (op < 0.9) out.splice(at, 0, Math.floor(rand() * 256));
    else out.length = at;
  }
  return Uint8Array.from(out);
}

/** Runs `fn` on `runs` mutations of each input; anything thrown must be our ProtocolError. */
export function fuzz(inputs: readonly Uint8Array[], fn: (bytes: Uint8Array) => void, runs = 300, seed = 7): number {
  const rand = seededRandom(seed);
  let rejected = 0;
  for (const input of inputs) {
    for (let i = 0; i < runs; i++) {
      const bytes = mutate(input, rand);
      try {
        fn(bytes);
      } catch (err) {
        if (!(err instanceof ProtocolError)) {
          throw new Error(`non-ProtocolError on mutation of ${Buffer.from(bytes).toString('hex').slice(0, 200)}: ${String(err)}`, { cause: err });
        }
        rejected++;
      }
    }
  }
  return rejected;
}

/** Asserts `fn` throws a ProtocolError with `code`. */
export function expectCode(fn: () => unknown, code: string): ProtocolError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe(code);
    return err as ProtocolError;
  }
  throw new Error(`expected ProtocolError ${code}, nothing thrown`);
}
