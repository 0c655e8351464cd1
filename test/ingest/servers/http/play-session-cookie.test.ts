import { describe, expect, it } from 'vitest';
import { PLAY_SESSION_MAX_LENGTH, PlaySessionCookie, cookieValue } from '#ingest/servers/http/play-session-cookie.js';
import { seededRandom } from '#test/support/feeding.js';
import { mutate } from '#test/support/fuzz.js';

const NOW = 1_800_000_000_000;
const alice = { user: 'alice12', password: 'päss wörd:with;odd=chars' };

describe('PlaySessionCookie', () => {
  it('opens what it sealed, until the lifetime ends', () => {
    const c = new PlaySessionCookie(60);
    const value = c.seal(alice, NOW);
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(value).not.toContain('alice12');
    expect(c.open(value, NOW + 59_000)).toEqual(alice);
    expect(c.open(value, NOW + 60_000)).toBeUndefined();
  });

  it('opens on every task sharing the key, and on no other', () => {
    const key = new Uint8Array(32).fill(7);
    const value = new PlaySessionCookie(60, key).seal(alice, NOW);
    expect(new PlaySessionCookie(60, key).open(value, NOW)).toEqual(alice);
    expect(new PlaySessionCookie(60, new Uint8Array(32).fill(8)).open(value, NOW)).toBeUndefined();
    expect(new PlaySessionCookie(60).open(value, NOW)).toBeUndefined();
  });

  it('refuses altered, truncated, oversized and garbage values without throwing', () => {
    const c = new PlaySessionCookie(60);
    const value = c.seal(alice, NOW);
    for (const bad of ['', 'x', '!!!', value.slice(0, 30), `${value}A`, 'A'.repeat(PLAY_SESSION_MAX_LENGTH + 1)]) expect(c.open(bad, NOW)).toBeUndefined();
    const random = seededRandom(3);
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      const opened = c.open(mutate(Buffer.from(value), random).toString('latin1'), NOW);
      // Only the unused low bits of the last base64url character may change and still decode the same.
      if (opened === undefined) refused++;
      else expect(opened).toEqual(alice);
    }
    expect(refused).toBeGreaterThan(280);
  });

  it('sets an HttpOnly, SameSite=Strict cookie on the whole origin, and clears it', () => {
    const c = new PlaySessionCookie(3600);
    expect(c.setCookie('abc')).toBe('sg_play=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600');
    expect(c.setCookie('', { clear: true })).toBe('sg_play=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
  });

  it('adds Secure for a page reached over HTTPS, when set and when cleared', () => {
    const c = new PlaySessionCookie(3600);
    expect(c.setCookie('abc', { secure: true })).toBe('sg_play=abc; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=3600');
    expect(c.setCookie('', { clear: true, secure: true })).toBe('sg_play=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0');
  });
});

describe('cookieValue', () => {
  it.each([
    ['sg_play=abc', 'abc'],
    ['a=1; sg_play=abc; b=2', 'abc'],
    ['xsg_play=abc', undefined],
    [undefined, undefined],
  ])('%s → %s', (field, expected) => expect(cookieValue(field, 'sg_play')).toBe(expected));
});
