import { ProtocolError } from '#ingest/protocols/protocol-error.js';
import { seededRandom } from './feeding.js';

/**
 * A copy of `bytes` with 1–4 random edits: a flipped bit, a byte set, a byte inserted, removed or
 * appended, or the tail cut off.
 */
export function mutate(bytes: Uint8Array, random: () => number): Buffer {
  const out = Array.from(bytes);
  const edits = 1 + Math.floor(random() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (out.length + 1));
    const op = random();
    const b = Math.floor(random() * 256);
    if (at < out.length && op < 0.25) out[at] = out[at]! ^ (1 << (b & 7));
    else if (at < out.length && op < 0.55) out[at] = b;
    else if (op < 0.7) out.splice(at, 0, b);
    else if (at < out.length && op < 0.8) out.splice(at, 1);
    else if (op < 0.9) out.push(b);
    else out.length = Math.min(at, out.length);
  }
  return Buffer.from(out);
}

/** Runs `fn`; any throw that is not our ProtocolError fails the test with the input attached. */
export function expectOnlyProtocolErrors(fn: () => unknown, input: Uint8Array): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ProtocolError)) {
      throw new Error(`non-ProtocolError on input ${Buffer.from(input).toString('hex').slice(0, 400)}: ${String(err)}`, { cause: err });
    }
  }
}

/**
 * Runs `fn` on `runs` random mutations of each input (`fn` gets the mutated bytes, the index of
 * the input and the run number); anything thrown must be our ProtocolError. The same `seed`
 * mutates the same inputs the same way. Returns how many mutations were refused with one.
 */
export function fuzz(
  inputs: readonly Uint8Array[],
  fn: (bytes: Buffer, input: number, run: number) => unknown,
  runs = 300,
  seed = 7,
): number {
  const random = seededRandom(seed);
  let rejected = 0;
  for (let run = 0; run < runs; run++) {
    inputs.forEach((input, index) => {
      const bytes = mutate(input, random);
      expectOnlyProtocolErrors(() => {
        try {
          fn(bytes, index, run);
        } catch (err) {
          if (err instanceof ProtocolError) rejected++;
          throw err;
        }
      }, bytes);
    });
  }
  return rejected;
}
