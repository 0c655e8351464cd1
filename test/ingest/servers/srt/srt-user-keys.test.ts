import { describe, expect, it } from 'vitest';
import { SrtKeyDerivations } from '#ingest/protocols/srt/srt-key-derivations.js';
import { generateStreamKeys, wrapStreamKeys } from '#ingest/protocols/srt/srt-key-material.js';
import { SrtUserKeys } from '#ingest/servers/srt/srt-user-keys.js';

const PASSWORD = 'alice-srt-pass-42';

function proofFor(password: string, derivations = new SrtKeyDerivations()) {
  const keys = generateStreamKeys(16);
  const km = wrapStreamKeys(password, keys, 16);
  const userKeys = new SrtUserKeys(km, derivations, '192.0.2.7');
  const credentials = userKeys.credentials('alice12');
  if (credentials.kind !== 'proof') throw new Error('expected a proof');
  return { keys, userKeys, credentials };
}

describe("SrtUserKeys: the user's password as the SRT passphrase", () => {
  it('is proven by the password the key material was wrapped with, and then holds the stream keys', () => {
    const { keys, userKeys, credentials } = proofFor(PASSWORD);
    expect(credentials).toMatchObject({ kind: 'proof', user: 'alice12', method: 'srt-passphrase' });
    expect(credentials.verify('another-password')).toBe(false);
    expect(userKeys.keys).toBeUndefined();
    expect(credentials.verify(PASSWORD)).toBe(true);
    expect(Buffer.from(userKeys.keys!.keys.even!)).toEqual(Buffer.from(keys.even!));
    expect(userKeys.keys!.passphrase).toBe(PASSWORD);
  });

  it('answers a re-check (the ACL TTL) without deriving again, and a changed password fails it', () => {
    const derivations = new SrtKeyDerivations();
    const { credentials } = proofFor(PASSWORD, derivations);
    expect(credentials.verify(PASSWORD)).toBe(true);
    const derived = derivations.stats.derived;
    expect(credentials.verify(PASSWORD)).toBe(true);
    expect(credentials.verify('changed-password-1')).toBe(false);
    expect(derivations.stats.derived).toBe(derived);
  });

  it('counts nothing as proven once the address has used up its key derivations', () => {
    const derivations = new SrtKeyDerivations({ perAddressBurst: 1, perAddressPerSecond: 0.001, totalBurst: 100, totalPerSecond: 100, cacheEntries: 16, trackedAddresses: 16 });
    expect(proofFor(PASSWORD, derivations).credentials.verify('guess-number-1')).toBe(false);
    expect(proofFor(PASSWORD, derivations).credentials.verify(PASSWORD)).toBe(false);
    expect(derivations.stats.throttled).toBe(1);
  });
});
