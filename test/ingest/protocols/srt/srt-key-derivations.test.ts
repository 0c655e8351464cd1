import { describe, expect, it } from 'vitest';
import { SrtKeyDerivations } from '#ingest/protocols/srt/srt-key-derivations.js';

const LIMITS = { perAddressBurst: 2, perAddressPerSecond: 1, totalBurst: 3, totalPerSecond: 2, cacheEntries: 2, trackedAddresses: 4 };
const salt = (n: number): Uint8Array => Uint8Array.from({ length: 16 }, (_, i) => (i >= 8 ? n : 0));

function counted(): { d: SrtKeyDerivations; runs: () => number } {
  let runs = 0;
  const d = new SrtKeyDerivations(LIMITS, (_p, s, n) => {
    runs++;
    return Buffer.alloc(n, s[15]);
  });
  return { d, runs: () => runs };
}

describe('SrtKeyDerivations', () => {
  it('derives a burst per address, then refuses until tokens come back', () => {
    const { d, runs } = counted();
    expect(d.kek('pw', salt(1), 16, 'a', 0)).toBeDefined();
    expect(d.kek('pw', salt(2), 16, 'a', 0)).toBeDefined();
    expect(d.kek('pw', salt(3), 16, 'a', 0)).toBeUndefined();
    expect(d.kek('pw', salt(3), 16, 'a', 999)).toBeUndefined();
    expect(d.kek('pw', salt(3), 16, 'a', 1000)).toBeDefined();
    expect(runs()).toBe(3);
    expect(d.stats).toEqual({ derived: 3, cached: 0, throttled: 2 });
  });

  it('answers a salt seen before from the cache without a token, and forgets the least recent past its size', () => {
    const { d, runs } = counted();
    const first = d.kek('pw', salt(1), 16, 'a', 0);
    for (let i = 0; i < 5; i++) expect(d.kek('pw', salt(1), 16, 'a', 0)).toBe(first);
    expect(runs()).toBe(1);
    d.kek('pw', salt(2), 16, 'b', 0);
    d.kek('pw', salt(3), 16, 'b', 0); // the cache holds 2: salt 1 goes
    expect(d.kek('pw', salt(1), 16, 'c', 0)).toBeUndefined(); // the listener's burst of 3 is spent
    expect(d.stats.cached).toBe(5);
  });

  it('bounds every address together by the listener-wide budget', () => {
    const { d } = counted();
    const got = ['a', 'b', 'c', 'd'].map((addr, i) => d.kek('pw', salt(i), 16, addr, 0));
    expect(got.filter((k) => k !== undefined)).toHaveLength(3);
    expect(d.kek('pw', salt(9), 16, 'e', 500)).toBeDefined(); // 2 a second: one back after 500 ms
  });

  it('keys the cache by passphrase and key length too', () => {
    const { d, runs } = counted();
    d.kek('pw', salt(1), 16, 'a', 0);
    d.kek('other', salt(1), 16, 'a', 10_000);
    d.kek('pw', salt(1), 32, 'a', 20_000);
    expect(runs()).toBe(3);
  });
});
