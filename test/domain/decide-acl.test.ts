import { describe, expect, it } from 'vitest';
import { decideAcl, grantMatches } from '#domain/decide-acl.js';
import { normalizeStreamName } from '#domain/functions-contract.js';
import { globMatch } from '#domain/glob-match.js';

const user = (over: Partial<{ enabled: boolean; publish: string[]; play: string[]; ipRanges: string[] }> = {}) => ({
  enabled: over.enabled ?? true,
  grants: { publish: over.publish ?? ['myStream'], play: over.play ?? [] },
  ipRanges: over.ipRanges ?? [],
});
const q = (over: Partial<{ userName: string | undefined; action: 'publish' | 'play'; app: string; stream: string; ip: string }> = {}) => ({
  userName: 'testuser',
  action: 'publish' as const,
  app: 'live',
  stream: 'myStream',
  ip: '203.0.113.5',
  ...over,
});

describe('normalizeStreamName', () => {
  it.each([
    ['myStream', 'mystream'],
    ['MyStream?token=abc', 'mystream'],
    ['a?b?c', 'a'],
    ['?x', ''],
    ['', ''],
  ])('normalises %j to %j', (input, out) => expect(normalizeStreamName(input)).toBe(out));
});

describe('globMatch', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['*', '', true],
    ['*', 'anything', true],
    ['cam-*', 'cam-1', true],
    ['cam-*', 'cam-', true],
    ['cam-*', 'cam', false],
    ['*-hd', 'news-hd', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['**', 'x', true],
    ['a*a*a*a*a*a*b', 'a'.repeat(200), false],
  ])('pattern %j against %j is %s', (p, t, r) => expect(globMatch(p, t)).toBe(r));
});

describe('grantMatches', () => {
  it.each([
    { pattern: 'myStream', app: 'live', stream: 'MYSTREAM?secret=1', ok: true },
    { pattern: 'mystream', app: 'other', stream: 'myStream', ok: true },
    { pattern: 'live/myStream', app: 'live', stream: 'mystream', ok: true },
    { pattern: 'live/myStream', app: 'LIVE', stream: 'mystream', ok: true },
    { pattern: 'live/myStream', app: 'vod', stream: 'mystream', ok: false },
    { pattern: '*/cam*', app: 'anything', stream: 'cam7', ok: true },
    { pattern: 'live/*', app: 'live', stream: 'x', ok: true },
    { pattern: 'myStream', app: 'live', stream: 'myStream2', ok: false },
  ])('$pattern covers $app/$stream: $ok', ({ pattern, app, stream, ok }) => expect(grantMatches(pattern, app, stream)).toBe(ok));
});

describe('decideAcl', () => {
  it('allows the seed mapping testuser → myStream whatever the case and query', () => {
    expect(decideAcl(user(), q({ stream: 'MyStream?foo=bar' }))).toEqual({ allowed: true, reason: 'grant_matched', matched: 'myStream' });
  });
  it('denies an anonymous client with no_user', () => {
    expect(decideAcl(undefined, q({ userName: undefined }))).toMatchObject({ allowed: false, reason: 'no_user' });
  });
  it('denies a name that has no stored user with unknown_user', () => {
    expect(decideAcl(undefined, q())).toMatchObject({ allowed: false, reason: 'unknown_user' });
  });
  it('denies a disabled user even when a grant matches', () => {
    expect(decideAcl(user({ enabled: false }), q())).toMatchObject({ allowed: false, reason: 'user_disabled' });
  });
  it('denies a stream that is empty after the query is stripped', () => {
    expect(decideAcl(user({ publish: ['*'] }), q({ stream: '?x=1' }))).toMatchObject({ allowed: false, reason: 'invalid_stream' });
  });
  it('denies publishing a stream that no publish grant covers', () => {
    expect(decideAcl(user(), q({ stream: 'otherStream' }))).toMatchObject({ allowed: false, reason: 'no_matching_grant' });
  });
  it('keeps publish and play grants apart', () => {
    expect(decideAcl(user(), q({ action: 'play' }))).toMatchObject({ allowed: false, reason: 'no_matching_grant' });
    expect(decideAcl(user({ publish: [], play: ['myStream'] }), q({ action: 'play' }))).toMatchObject({ allowed: true });
    expect(decideAcl(user({ publish: [], play: ['myStream'] }), q())).toMatchObject({ allowed: false });
  });
  it('checks IP ranges before grants, for v4, v4-mapped and v6 clients', () => {
    const u = user({ ipRanges: ['203.0.113.0/24', '2001:db8::/32'] });
    expect(decideAcl(u, q({ ip: '203.0.113.77' }))).toMatchObject({ allowed: true });
    expect(decideAcl(u, q({ ip: '::ffff:203.0.113.77' }))).toMatchObject({ allowed: true });
    expect(decideAcl(u, q({ ip: '2001:db8:1::5' }))).toMatchObject({ allowed: true });
    expect(decideAcl(u, q({ ip: '198.51.100.1' }))).toMatchObject({ allowed: false, reason: 'ip_not_allowed' });
    expect(decideAcl(u, q({ ip: 'not-an-ip' }))).toMatchObject({ allowed: false, reason: 'ip_not_allowed' });
  });
});
