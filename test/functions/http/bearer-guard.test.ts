import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureThrottle } from '#domain/failure-throttle.js';
import { createAclApp } from '#functions/acl/create-acl-app.js';
import { createRelaysApp } from '#functions/relays/create-relays-app.js';
import { createUsersApp } from '#functions/users/create-users-app.js';
import { ADMIN_TOKEN, lambdaEnv, SERVICE_TOKEN, startTestDeps } from '../support/test-deps.js';

let ctx: Awaited<ReturnType<typeof startTestDeps>>;
let clock = 0;

beforeAll(async () => {
  ctx = await startTestDeps();
});
afterAll(() => ctx.close());

const BAD_HEADERS: [string, Record<string, string>][] = [
  ['no authorization header', {}],
  ['another scheme', { authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` }],
  ['Bearer without a token', { authorization: 'Bearer' }],
  ['a token with a space', { authorization: 'Bearer a b' }],
  ['a token outside the bearer alphabet', { authorization: 'Bearer "quoted"' }],
  ['a wrong token', { authorization: 'Bearer wrong-token' }],
  ['a prefix of the token', { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` }],
];

describe('the functions bearer guard (Hono bearerAuth)', () => {
  it.each(BAD_HEADERS)('answers %s with the documented JSON 401 and its challenge (never 400)', async (name, headers) => {
    for (const [app, path] of [
      [createUsersApp(ctx.deps), '/users'],
      [createRelaysApp(ctx.deps), '/relays'],
      [createAclApp(ctx.deps), '/acl'],
    ] as const) {
      const res = await app.request(
        path,
        { method: path === '/acl' ? 'POST' : 'GET', headers, body: path === '/acl' ? '{}' : undefined },
        lambdaEnv(`198.51.100.${BAD_HEADERS.findIndex(([n]) => n === name)}`),
      );
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="streamgate"');
      expect(await res.json()).toMatchObject({ error: 'unauthorized' });
    }
  });

  it('accepts the right token with any case of the scheme', async () => {
    const users = createUsersApp(ctx.deps);
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const res = await users.request('/users', { headers: { authorization: `${scheme} ${ADMIN_TOKEN}` } }, lambdaEnv('203.0.113.1'));
      expect(res.status).toBe(200);
    }
    const acl = await createAclApp(ctx.deps).request(
      '/acl',
      {
        method: 'POST',
        headers: { authorization: `Bearer ${SERVICE_TOKEN}` },
        body: JSON.stringify({ user: 'nobody', action: 'publish', app: 'live', stream: 's', ip: '' }),
      },
      lambdaEnv('203.0.113.1'),
    );
    expect(acl.status).toBe(200);
  });

  it('counts every refusal of a source and answers 429 with Retry-After once it used them up, even to the right token', async () => {
    const deps = { ...ctx.deps, adminThrottle: new FailureThrottle({ maxFailures: 3, windowMs: 60_000, maxKeys: 100, now: () => clock }) };
    const users = createUsersApp(deps);
    const relays = createRelaysApp(deps);
    const from = lambdaEnv('192.0.2.77');
    clock = 1_000_000;
    expect((await users.request('/users', { headers: { authorization: 'Bearer wrong' } }, from)).status).toBe(401);
    expect((await users.request('/users', {}, from)).status).toBe(401);
    expect((await relays.request('/relays', { headers: { authorization: 'Basic eDp5' } }, from)).status).toBe(401);
    const blocked = await users.request('/users', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }, from);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('60');
    expect(await blocked.json()).toMatchObject({ error: 'too_many_failures' });
    // Another source is not affected; the blocked one is let in again when its window ends.
    expect((await users.request('/users', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }, lambdaEnv('192.0.2.78'))).status).toBe(200);
    clock += 60_000;
    expect((await users.request('/users', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }, from)).status).toBe(200);
  });
});
