import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  HANDSHAKE_PACKET_SIZE,
  PLAYER_KEY,
  RtmpServerHandshake,
  SERVER_KEY,
  digestOffset,
  findDigest,
  imprintDigest,
} from '#ingest/protocols/rtmp/rtmp-handshake.js';
import { feedings, seededRandom } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';
import { codeOf } from '#test/support/expect-code.js';

function randomPacket(seed: number): Buffer {
  const random = seededRandom(seed);
  return Buffer.from(Array.from({ length: HANDSHAKE_PACKET_SIZE }, () => Math.floor(random() * 256)));
}

/** A C1 as Flash Player / FFmpeg make it: version set, digest with the player key at `scheme`. */
function digestC1(scheme: 0 | 1, seed: number): { c1: Buffer; digest: Buffer } {
  const c1 = randomPacket(seed);
  c1.writeUInt32BE(0, 0);
  c1.writeUInt32BE(0x80000702, 4);
  const digest = imprintDigest(c1, scheme, PLAYER_KEY.subarray(0, 30));
  return { c1, digest };
}

function deterministic(): RtmpServerHandshake {
  const random = seededRandom(1);
  return new RtmpServerHandshake({
    random: (n) => Uint8Array.from(Array.from({ length: n }, () => Math.floor(random() * 256))),
  });
}

function run(input: Uint8Array[], handshake = deterministic()): { out: Buffer; done: boolean; rest: Buffer } {
  const out: Uint8Array[] = [];
  let done = false;
  const rest: Uint8Array[] = [];
  for (const piece of input) {
    const step = handshake.push(piece);
    out.push(...step.send);
    if (step.done) {
      done = true;
      rest.push(step.rest);
    }
  }
  return { out: Buffer.concat(out), done, rest: Buffer.concat(rest) };
}

describe('RTMP server handshake', () => {
  it('answers a plain C1 (version 0) with S0=3, S1 and S2 echoing C1, whatever the split', () => {
    const c1 = randomPacket(5);
    c1.writeUInt32BE(0, 4);
    const c2 = randomPacket(6);
    const input = Buffer.concat([Buffer.from([3]), c1, c2, Buffer.from('after')]);
    for (const feeding of feedings(input)) {
      const handshake = deterministic();
      const { out, done, rest } = run(feeding.parts, handshake);
      expect(handshake.kind).toBe('plain');
      expect(out.length).toBe(1 + 2 * HANDSHAKE_PACKET_SIZE);
      expect(out[0]).toBe(3);
      expect(out.subarray(1 + HANDSHAKE_PACKET_SIZE).equals(c1)).toBe(true);
      expect(done).toBe(true);
      expect(rest.toString()).toBe('after');
    }
  });

  it('waits for all of C2 before it is done', () => {
    const c1 = randomPacket(5);
    const { done } = run([Buffer.from([3]), c1, randomPacket(6).subarray(0, 1535)]);
    expect(done).toBe(false);
  });

  for (const scheme of [0, 1] as const) {
    it(`answers a digest C1 (scheme ${scheme}) with a server digest in S1 and an S2 keyed on the client digest`, () => {
      const { c1, digest } = digestC1(scheme, 10 + scheme);
      expect(findDigest(c1)?.scheme).toBe(scheme);
      const handshake = deterministic();
      const { out } = run([Buffer.concat([Buffer.from([3]), c1])], handshake);
      expect(handshake.kind).toBe('digest');
      const s1 = out.subarray(1, 1 + HANDSHAKE_PACKET_SIZE);
      const s2 = out.subarray(1 + HANDSHAKE_PACKET_SIZE);
      expect(s1.readUInt32BE(4)).not.toBe(0);

      // S1: HMAC-SHA256 with the 36-byte 'Genuine Adobe Flash Media Server 001' key, same scheme.
      const offset = digestOffset(s1, scheme);
      const expected = createHmac('sha256', SERVER_KEY.subarray(0, 36))
        .update(s1.subarray(0, offset))
        .update(s1.subarray(offset + 32))
        .digest();
      expect(s1.subarray(offset, offset + 32).equals(expected)).toBe(true);

      // S2: last 32 bytes = HMAC(HMAC(full server key, client digest), first 1504 bytes).
      const key = createHmac('sha256', SERVER_KEY).update(digest).digest();
      const signature = createHmac('sha256', key).update(s2.subarray(0, 1504)).digest();
      expect(s2.subarray(1504).equals(signature)).toBe(true);
    });
  }

  it('falls back to the plain echo when a versioned C1 has no valid digest', () => {
    const { c1 } = digestC1(0, 3);
    c1[digestOffset(c1, 0)] ^= 0xff;
    const handshake = deterministic();
    const { out } = run([Buffer.from([3]), c1], handshake);
    expect(handshake.kind).toBe('plain');
    expect(out.subarray(1 + HANDSHAKE_PACKET_SIZE).equals(c1)).toBe(true);
  });

  it.each([
    { name: 'RTMPE version 6', first: 6, code: 'RTMP_HANDSHAKE_VERSION' },
    { name: 'version 0', first: 0, code: 'RTMP_HANDSHAKE_VERSION' },
    { name: "HTTP 'G'ET", first: 0x47, code: 'RTMP_HTTP_ON_RTMP_PORT' },
    { name: "HTTP 'P'OST", first: 0x50, code: 'RTMP_HTTP_ON_RTMP_PORT' },
  ])('refuses a C0 of $name with $code on the first byte', ({ first, code }) => {
    expect(codeOf(() => run([Buffer.from([first])]))).toBe(code);
  });

  it('names the version in the crtmpserver wording', () => {
    expect(() => run([Buffer.from([9])])).toThrow('Handshake type not implemented: 9');
  });

  it('only ever raises ProtocolError on randomly mutated handshakes', () => {
    const { c1 } = digestC1(1, 4);
    const base = Buffer.concat([Buffer.from([3]), c1, randomPacket(8)]);
    fuzz([base], (input, _, i) => run(feedings(input)[2 + (i % 3)].parts), 300, 11);
  });
});
