import { Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { describe, expect, it } from 'vitest';
import { BEARER_TOKEN, checkBearerToken } from '#domain/bearer-token.js';

describe('checkBearerToken', () => {
  it.each(['a', 'Zm9vYmFy', 'Zm9vYg==', 'abc-DEF_123.~+/', 'x'.repeat(200)])('accepts the RFC 6750 token %s', (token) => {
    expect(checkBearerToken(token, 'STREAMGATE_ADMIN_TOKEN')).toBe(token);
  });

  it.each(['two words', ' lead', 'trail ', 'tab\there', '"quoted"', 'a,b', 'a=b', '=start', 'pässwörd', 'semi;colon', 'new\nline'])(
    'refuses %j naming where it came from, never the value',
    (token) => {
      let err: unknown;
      try {
        checkBearerToken(token, '/data/admin-token');
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ name: 'ConfigError', code: 'bad_bearer_token', variable: '/data/admin-token' });
      expect((err as Error).message).toContain('/data/admin-token');
      expect((err as Error).message).not.toContain(token.trim());
    },
  );

  it('agrees with Hono bearerAuth: a token it refuses is one Hono answers 401 to even when sent exactly', async () => {
    for (let c = 0x20; c < 0x7f; c++) {
      const token = `a${String.fromCharCode(c)}b`;
      const app = new Hono().use(bearerAuth({ token })).get('/', (ctx) => ctx.text('ok'));
      const res = await app.request('/', { headers: { Authorization: `Bearer ${token}` } });
      expect([token, BEARER_TOKEN.test(token)]).toEqual([token, res.status === 200]);
    }
  });
});
