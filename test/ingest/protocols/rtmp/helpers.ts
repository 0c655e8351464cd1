import { ProtocolError } from '../../../../ingest/src/protocols/protocol-error.js';

/**
 * Annotated hex → bytes. Whitespace is ignored, `#` starts a comment to the end of the line, and
 * `"text"` inserts the text's UTF-8 bytes.
 */
export function hex(source: string): Buffer {
  const parts: Buffer[] = [];
  for (const line of source.split('\n')) {
    const code = line.replace(/#.*$/, '');
    const re = /"([^"]*)"|([0-9a-fA-F\s]+)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(code)) !== null) {
      if (m[1] !== undefined) parts.push(Buffer.from(m[1], 'utf8'));
      else {
        const digits = m[2].replace(/\s+/g, '');
        if (digits.length % 2) throw new Error(`odd hex digits in: ${line}`);
        parts.push(Buffer.from(digits, 'hex'));
      }
    }
  }
  return Buffer.concat(parts);
}

/** A small seeded PRNG (mulberry32) so fuzz runs are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `bytes` cut into pieces at random points. */
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

/** Every way a test feeds one input: whole, byte by byte, random splits (3 seeds). */
export function feedings(bytes: Uint8Array): { name: string; pieces: Uint8Array[] }[] {
  const byByte: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i++) byByte.push(bytes.subarray(i, i + 1));
  return [
    { name: 'whole', pieces: [bytes] },
    { name: 'byte by byte', pieces: byByte },
    ...[1, 2, 3].map((seed) => ({ name: `random split ${seed}`, pieces: randomSplits(bytes, rng(seed)) })),
  ];
}

/** A copy of `bytes` with a few random bytes changed, truncated or extended. */
export function mutate(bytes: Uint8Array, random: () => number): Buffer {
  let out = Buffer.from(bytes);
  const edits = 1 + Math.floor(random() * 4);
  for (let i = 0; i < edits; i++) {
    const kind = random();
    if (kind < 0.6 && out.length > 0) out[Math.floor(random() * out.length)] = Math.floor(random() * 256);
    else if (kind < 0.8) out = out.subarray(0, Math.floor(random() * out.length));
    else out = Buffer.concat([out, Buffer.from([Math.floor(random() * 256)])]);
  }
  return out;
}

/** Runs `fn`; any throw that is not our ProtocolError fails the test with the input attached. */
export function expectOnlyProtocolErrors(fn: () => void, input: Uint8Array): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof ProtocolError)) {
      throw new Error(`non-ProtocolError on input ${Buffer.from(input).toString('hex')}: ${String(error)}`, {
        cause: error,
      });
    }
  }
}
