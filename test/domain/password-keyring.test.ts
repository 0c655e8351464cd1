import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatStoredPassword, parsePasswordKeyring, parseStoredPassword, passwordKeyId } from '#domain/password-keyring.js';

const key = randomBytes(32);
const other = randomBytes(32);
const b64 = (k: Uint8Array) => Buffer.from(k).toString('base64');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('parsePasswordKeyring', () => {
  it('reads a bare key (what the stack generates: 43 characters, unpadded) as a ring of one', () => {
    const generated = b64(key).replace(/=+$/, '');
    const ring = parsePasswordKeyring(generated);
    expect(ring.current.id).toBe(passwordKeyId(key));
    expect([...ring.keys.keys()]).toEqual([ring.current.id]);
  });

  it('gives a key the same id alone and in a ring, so stored passwords keep pointing at it', () => {
    const ring = parsePasswordKeyring(JSON.stringify({ current: b64(other), previous: [b64(key)] }));
    expect(ring.current.id).toBe(passwordKeyId(other));
    expect(Buffer.from(ring.keys.get(passwordKeyId(key))!.bytes).equals(key)).toBe(true);
    expect(passwordKeyId(key)).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(passwordKeyId(key)).not.toBe(passwordKeyId(other));
  });

  it.each([
    ['a short key', 'AAAA', 'password_key_length'],
    ['not JSON', '{current:', 'password_keyring'],
    ['an unknown field', JSON.stringify({ current: b64(key), next: b64(other) }), 'password_keyring'],
    ['previous not a list', JSON.stringify({ current: b64(key), previous: b64(other) }), 'password_keyring'],
    ['a bad previous key', JSON.stringify({ current: b64(key), previous: ['AAAA'] }), 'password_key_length'],
    ['no current key', JSON.stringify({ previous: [b64(key)] }), 'password_key_length'],
    ['too many keys', JSON.stringify({ current: b64(key), previous: Array.from({ length: 8 }, () => b64(randomBytes(32))) }), 'password_keyring'],
    ['an oversized secret', 'x'.repeat(5000), 'password_keyring'],
  ])('refuses %s with a coded ConfigError', (_label, text, code) => {
    expect(codeOf(() => parsePasswordKeyring(text))).toBe(code);
  });
});

describe('stored password format', () => {
  it('stores the key id beside the payload (g2) and still reads the id-less legacy form (g1)', () => {
    const stored = formatStoredPassword('AbCd_-12', 'cGF5bG9hZA==');
    expect(stored).toBe('g2:AbCd_-12:cGF5bG9hZA==');
    expect(parseStoredPassword(stored)).toEqual({ keyId: 'AbCd_-12', payload: 'cGF5bG9hZA==' });
    expect(parseStoredPassword('g1:cGF5bG9hZA==')).toEqual({ keyId: undefined, payload: 'cGF5bG9hZA==' });
    for (const bad of ['', 'g2:short:xx', 'g3:AbCd_-12:xx', 'plain']) expect(parseStoredPassword(bad)).toBeUndefined();
  });
});
