import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TeaFormatError } from '#domain/errors.js';
import { teaDecrypt, teaEncrypt, teaKey } from '#domain/tea.js';
import { xxteaCycles, xxteaDecryptBlock, xxteaEncryptBlock } from '#domain/xxtea-block.js';

interface StringCase {
  name: string;
  plaintext: string;
  plaintext_utf8_hex: string;
  secret: string;
  key_words_le: string[];
  n_words: number;
  cycles: number;
  ciphertext_hex: string;
  padded_plaintext_hex: string;
}
interface DecodeCase {
  name: string;
  secret: string;
  ciphertext_hex: string;
  expect: 'ok' | 'reject' | 'garbage';
  plaintext?: string;
  raw_hex?: string;
}
interface BlockKat {
  alg: 'TEA' | 'XTEA' | 'XXTEA';
  cycles?: number;
  source: string;
  key?: string[];
  pt?: string[];
  ct?: string[];
  key_bytes_le?: string;
  pt_bytes_le?: string;
  ct_bytes_le?: string;
}
const vectors = JSON.parse(readFileSync(new URL('./tea-vectors.json', import.meta.url), 'utf8')) as {
  string_cases: StringCase[];
  decode_cases: DecodeCase[];
  token_endpoint_example: { secret: string; username: string; password: string; request: { body: string }; response_ok: { body: string } };
  block_kats: BlockKat[];
};

const DELTA = 0x9e3779b9;
// Classic 64-bit-block TEA and XTEA (big-endian key/block words as the KATs list them), written
// here only to show the vectors tell the variants apart: Wowza's TEA is XXTEA, not these.
function classicTea(v: number[], k: number[]): number[] {
  let [y, z] = v;
  let sum = 0;
  for (let i = 0; i < 32; i++) {
    sum = (sum + DELTA) >>> 0;
    y = (y + ((((z << 4) + k[0]) ^ (z + sum) ^ ((z >>> 5) + k[1])) >>> 0)) >>> 0;
    z = (z + ((((y << 4) + k[2]) ^ (y + sum) ^ ((y >>> 5) + k[3])) >>> 0)) >>> 0;
  }
  return [y, z];
}
function xtea(v: number[], k: number[], cycles: number): number[] {
  let [y, z] = v;
  let sum = 0;
  for (let i = 0; i < cycles; i++) {
    y = (y + (((((z << 4) ^ (z >>> 5)) + z) ^ (sum + k[sum & 3])) >>> 0)) >>> 0;
    sum = (sum + DELTA) >>> 0;
    z = (z + (((((y << 4) ^ (y >>> 5)) + y) ^ (sum + k[(sum >>> 11) & 3])) >>> 0)) >>> 0;
  }
  return [y, z];
}
const words = (hex: string[]): number[] => hex.map((h) => parseInt(h, 16) >>> 0);
const leWords = (hex: string): number[] => {
  const b = Buffer.from(hex, 'hex');
  return Array.from({ length: b.length / 4 }, (_, i) => b.readUInt32LE(i * 4));
};

describe('teaEncrypt / teaDecrypt on the shared string vectors', () => {
  it.each(vectors.string_cases)('$name: encrypts to the vector ciphertext and decrypts back', (c) => {
    expect(teaEncrypt(c.plaintext, c.secret)).toBe(c.ciphertext_hex);
    expect(teaDecrypt(c.ciphertext_hex, c.secret)).toBe(c.plaintext);
  });

  it.each(vectors.string_cases)('$name: derives the vector key words, word count and cycles', (c) => {
    expect(Array.from(teaKey(c.secret), (w) => w.toString(16).padStart(8, '0'))).toEqual(c.key_words_le);
    if (c.n_words > 0) expect(xxteaCycles(c.n_words)).toBe(c.cycles);
    expect(Buffer.from(c.plaintext, 'utf8').toString('hex')).toBe(c.plaintext_utf8_hex);
  });

  it.each(vectors.string_cases.filter((c) => c.n_words > 0))('$name: raw block decrypt yields the padded plaintext', (c) => {
    const v = Uint32Array.from(leWords(c.ciphertext_hex));
    xxteaDecryptBlock(v, teaKey(c.secret));
    const out = Buffer.alloc(v.length * 4);
    v.forEach((w, i) => out.writeUInt32LE(w, i * 4));
    expect(out.toString('hex')).toBe(c.padded_plaintext_hex);
  });
});

describe('teaDecrypt on the shared decode cases', () => {
  it.each(vectors.decode_cases)('$name', (c) => {
    if (c.expect === 'ok') {
      expect(teaDecrypt(c.ciphertext_hex, c.secret)).toBe(c.plaintext);
    } else if (c.expect === 'reject') {
      expect(() => teaDecrypt(c.ciphertext_hex, c.secret)).toThrow(TeaFormatError);
    } else {
      // Garbage: the raw block matches the vector, and the string result is never the real name.
      const v = Uint32Array.from(leWords(c.ciphertext_hex));
      xxteaDecryptBlock(v, teaKey(c.secret));
      const out = Buffer.alloc(v.length * 4);
      v.forEach((w, i) => out.writeUInt32LE(w, i * 4));
      expect(out.toString('hex')).toBe(c.raw_hex);
      let plain: string | undefined;
      try {
        plain = teaDecrypt(c.ciphertext_hex, c.secret);
      } catch (err) {
        expect((err as TeaFormatError).code).toBe('tea_bad_utf8');
      }
      expect(plain).not.toBe('alice12');
    }
  });
});

describe('the token endpoint example', () => {
  it('encrypts the user name to the example clientid and the password to the example token', () => {
    const ex = vectors.token_endpoint_example;
    expect(`clientid=${teaEncrypt(ex.username, ex.secret)}`).toBe(ex.request.body);
    expect(JSON.parse(ex.response_ok.body)).toEqual({ publisherToken: teaEncrypt(ex.password, ex.secret) });
  });
});

describe('block known-answer vectors', () => {
  it.each(vectors.block_kats)('$alg $source', (kat) => {
    if (kat.alg === 'XXTEA') {
      const v = Uint32Array.from(words(kat.pt!));
      const k = Uint32Array.from(words(kat.key!));
      expect(Array.from(xxteaEncryptBlock(v, k))).toEqual(words(kat.ct!));
      expect(Array.from(xxteaDecryptBlock(v, k))).toEqual(words(kat.pt!));
      return;
    }
    const key = kat.key ? words(kat.key) : leWords(kat.key_bytes_le!);
    const pt = kat.pt ? words(kat.pt) : leWords(kat.pt_bytes_le!);
    const ct = kat.ct ? words(kat.ct) : leWords(kat.ct_bytes_le!);
    const out = kat.alg === 'TEA' ? classicTea(pt, key) : xtea(pt, key, kat.cycles ?? 32);
    expect(out).toEqual(ct);
    // Our XXTEA is a different cipher: it must not reproduce a 64-bit-block TEA/XTEA answer.
    if (kat.cycles === 32) expect(Array.from(xxteaEncryptBlock(Uint32Array.from(pt), Uint32Array.from(key)))).not.toEqual(ct);
  });
});

describe('teaDecrypt input rules', () => {
  const secret = 'abcdefghijklmnop';
  const cases: Array<{ name: string; hex: string; code: string }> = [
    { name: '0x prefix', hex: '0xf90bf8126aff164e', code: 'tea_bad_hex' },
    { name: 'surrounding whitespace', hex: ' f90bf8126aff164e', code: 'tea_bad_hex' },
    { name: 'inner space', hex: 'f90bf812 6aff164e', code: 'tea_bad_hex' },
    { name: '12 hex digits', hex: 'f90bf8126aff', code: 'tea_bad_length' },
    { name: 'non-ASCII digit', hex: 'f90bf8126aff164é', code: 'tea_bad_hex' },
  ];
  it.each(cases)('rejects $name with $code', ({ hex, code }) => {
    expect(() => teaDecrypt(hex, secret)).toThrow(expect.objectContaining({ code }));
  });

  it('refuses to encrypt a text with NUL because the round trip would lose it', () => {
    expect(() => teaEncrypt('bob\0', secret)).toThrow(expect.objectContaining({ code: 'tea_plaintext_nul' }));
  });

  it('round-trips random printable and unicode texts of every length up to 80', () => {
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const alphabet = 'abcXYZ019._- ~!äöü€😀';
    for (let len = 1; len <= 80; len++) {
      const chars = Array.from(alphabet);
      const text = Array.from({ length: len }, () => chars[Math.floor(rnd() * chars.length)]).join('');
      const hex = teaEncrypt(text, 'Str3amGate!Secr3t#2026');
      expect(hex).toMatch(/^([0-9a-f]{8}){2,}$/);
      expect(teaDecrypt(hex, 'Str3amGate!Secr3t#2026')).toBe(text);
    }
  });

  it('only ever raises TeaFormatError on random mutations of a valid ciphertext', () => {
    let seed = 42;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const base = teaEncrypt('alice12-longer-name', secret);
    const pool = '0123456789abcdefABCDEFxz -\u00e9';
    for (let i = 0; i < 2000; i++) {
      const chars = base.split('');
      const op = Math.floor(rnd() * 3);
      const at = Math.floor(rnd() * chars.length);
      if (op === 0) chars[at] = pool[Math.floor(rnd() * pool.length)];
      else if (op === 1) chars.splice(at, 1);
      else chars.splice(at, 0, pool[Math.floor(rnd() * pool.length)]);
      try {
        teaDecrypt(chars.join(''), secret);
      } catch (err) {
        expect(err).toBeInstanceOf(TeaFormatError);
      }
    }
  });
});
