import { describe, expect, it } from 'vitest';
import {
  RTMP_AUTH_LIMITS,
  parseQueryCredentials,
  parseRawQuery,
  parseRtmpAuthQuery,
  splitAtQuery,
  splitConnectApp,
} from '#domain/rtmp-auth-query.js';
import { RtmpAuthError } from '#domain/rtmp-auth-error.js';

/** One table drives parsing and the mutation fuzz below. */
const cases: { name: string; query: string; decoded: Record<string, string> }[] = [
  { name: 'empty query', query: '', decoded: {} },
  { name: 'step 2 client query', query: 'authmod=adobe&user=alice12', decoded: { authmod: 'adobe', user: 'alice12' } },
  {
    name: 'OBS step 3 with + / = kept verbatim',
    //        authmod      user          C2 (base64 with + /)    response (base64)                 opaque
    query: 'authmod=adobe&user=alice12&challenge=+/+/fg==&response=0lJDVnQKWMT+/YAeF8zJ5A==&opaque=Qm3xZt==',
    decoded: { authmod: 'adobe', user: 'alice12', challenge: '+/+/fg==', response: '0lJDVnQKWMT+/YAeF8zJ5A==', opaque: 'Qm3xZt==' },
  },
  { name: 'percent escapes are not decoded', query: 'user=a%20b&response=x%2B', decoded: { user: 'a%20b', response: 'x%2B' } },
  { name: 'the first occurrence wins', query: 'user=first&user=second', decoded: { user: 'first' } },
  { name: 'a key without = has an empty value', query: 'opaque&user=u', decoded: { opaque: '', user: 'u' } },
  { name: 'only the first = splits', query: 'response=ab==&nonce=a=b', decoded: { response: 'ab==', nonce: 'a=b' } },
  { name: 'empty parts are skipped', query: '&&user=u&&', decoded: { user: 'u' } },
  { name: 'a leading ? is tolerated', query: '?authmod=llnw&nc=00000001', decoded: { authmod: 'llnw', nc: '00000001' } },
  { name: 'unknown keys are ignored', query: 'foo=1&cnonce=c', decoded: { cnonce: 'c' } },
];

describe('auth query carrier (AUTH-SPEC §3.5.1)', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    expect(parseRtmpAuthQuery(c.query)).toEqual(c.decoded);
  });

  it('splits app at the first ? and keeps the rest verbatim', () => {
    expect(splitConnectApp('live?authmod=adobe&user=u?x')).toEqual({ app: 'live', query: 'authmod=adobe&user=u?x' });
    expect(splitConnectApp('live/inst1')).toEqual({ app: 'live/inst1', query: '' });
  });

  it("falls back to tcUrl's query when app has none", () => {
    expect(splitConnectApp('live', 'rtmp://h:1935/live?authmod=adobe&user=bob')).toEqual({ app: 'live', query: 'authmod=adobe&user=bob' });
    expect(splitConnectApp('live?user=a', 'rtmp://h/live?user=b')).toEqual({ app: 'live', query: 'user=a' });
    expect(splitConnectApp('live', 'rtmp://h/live')).toEqual({ app: 'live', query: '' });
  });

  it('splits a stream name with credentials in its query', () => {
    expect(splitAtQuery('cam1?user=bob01&pass=pw')).toEqual({ name: 'cam1', query: 'user=bob01&pass=pw' });
    expect(splitAtQuery('cam1')).toEqual({ name: 'cam1', query: '' });
  });

  it('bounds the query length, the parameter count and each value with coded errors', () => {
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(RtmpAuthError);
        return (e as RtmpAuthError).code;
      }
      return undefined;
    };
    expect(code(() => parseRawQuery('a'.repeat(RTMP_AUTH_LIMITS.queryMaxLength)))).toBeUndefined();
    expect(code(() => parseRawQuery('a'.repeat(RTMP_AUTH_LIMITS.queryMaxLength + 1)))).toBe('auth_query_too_long');
    expect(code(() => splitAtQuery('live?' + 'a'.repeat(RTMP_AUTH_LIMITS.queryMaxLength + 1)))).toBe('auth_query_too_long');
    expect(code(() => parseRawQuery(Array(RTMP_AUTH_LIMITS.queryMaxParams + 1).fill('a=1').join('&')))).toBe('auth_query_too_many_params');
    expect(code(() => parseRawQuery('user=' + 'u'.repeat(RTMP_AUTH_LIMITS.paramMaxLength + 1)))).toBe('auth_param_too_long');
  });
});

describe('Wowza-style query credentials (decoded variant)', () => {
  it.each([
    ['plain', 'user=bob01&pass=s3cret-pass', { user: 'bob01', password: 's3cret-pass' }],
    ['percent-decoded', 'user=b%C3%B6b&pass=a%26b%3Dc%20d', { user: 'böb', password: 'a&b=c d' }],
    ['plus stays a plus', 'user=bob01&pass=a+b', { user: 'bob01', password: 'a+b' }],
    ['password= alias', 'password=pw123456&user=bob01', { user: 'bob01', password: 'pw123456' }],
    ['empty password is still a credential', 'user=bob01&pass=', { user: 'bob01', password: '' }],
  ] as const)('%s', (_n, query, expected) => {
    expect(parseQueryCredentials(query)).toEqual(expected);
  });

  it.each(['', 'user=bob01', 'pass=x', 'user=&pass=x', 'authmod=adobe&user=bob01'])('no credentials in %j', (query) => {
    expect(parseQueryCredentials(query)).toBeUndefined();
  });

  it('a broken escape is a coded error', () => {
    expect(() => parseQueryCredentials('user=bob01&pass=%zz')).toThrow(expect.objectContaining({ code: 'auth_bad_percent_encoding' }));
    expect(() => parseQueryCredentials('user=%C3&pass=x')).toThrow(expect.objectContaining({ code: 'auth_bad_percent_encoding' }));
  });
});

describe('query parsing under random mutation', () => {
  it('only ever raises RtmpAuthError, for any seeded mutation of every case', () => {
    let seed = 0x5eed;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const alphabet = '&=?%+/ aZ09\u00e4\u0000\ud800';
    for (const c of cases) {
      for (let round = 0; round < 300; round++) {
        let q = c.query;
        const edits = 1 + rnd(6);
        for (let e = 0; e < edits; e++) {
          const at = rnd(q.length + 1);
          const op = rnd(3);
          if (op === 0) q = q.slice(0, at) + alphabet[rnd(alphabet.length)] + q.slice(at);
          else if (op === 1) q = q.slice(0, at) + q.slice(at + 1);
          else q = q.slice(0, at) + q.slice(at, at + 8).repeat(1 + rnd(400)) + q.slice(at);
        }
        for (const f of [parseRtmpAuthQuery, parseQueryCredentials, (s: string) => splitConnectApp('live?' + s, 'rtmp://h/live?' + s)]) {
          try {
            f(q);
          } catch (e) {
            expect(e, JSON.stringify(q.slice(0, 80))).toBeInstanceOf(RtmpAuthError);
          }
        }
      }
    }
  });
});
