import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teaDecrypt, teaEncrypt } from '#domain/tea.js';
import { createTokenApp } from '#functions/token/create-token-app.js';
import { createUsersApp } from '#functions/users/create-users-app.js';
import type { openApiDocument } from '#functions/users/openapi-document.js';
import { ADMIN_TOKEN, lambdaEnv, startTestDeps, TEA_SECRET } from '../support/test-deps.js';

let ctx: Awaited<ReturnType<typeof startTestDeps>>;
let app: ReturnType<typeof createUsersApp>;
const call = (method: string, path: string, body?: unknown, token = ADMIN_TOKEN) =>
  app.request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
const passwordOf = async (name: string) => {
  const res = await createTokenApp(ctx.deps).request('/token', { method: 'POST', body: `clientid=${teaEncrypt(name, TEA_SECRET)}` }, lambdaEnv('192.0.2.50'));
  const json = (await res.json()) as { publisherToken?: string };
  return json.publisherToken && teaDecrypt(json.publisherToken, TEA_SECRET);
};

beforeAll(async () => {
  ctx = await startTestDeps();
  app = createUsersApp(ctx.deps);
});
afterAll(() => ctx.close());

describe('users API', () => {
  it('creates a user (201) and never returns the password', async () => {
    const res = await call('POST', '/users', { name: 'testuser', password: 't3st-pass-9', grants: { publish: ['myStream'] } });
    expect(res.status).toBe(201);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ name: 'testuser', enabled: true, grants: { publish: ['myStream'], play: [] }, ipRanges: [], version: 1 });
    expect(text).not.toContain('t3st-pass-9');
    expect(await passwordOf('testuser')).toBe('t3st-pass-9');
  });

  it('answers 409 on a duplicate name', async () => {
    const res = await call('POST', '/users', { name: 'testuser', password: 'another-pass' });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: 'user_exists' });
  });

  it.each([
    [{ password: 't3st-pass-9' }, 'name', 'invalid_type'],
    [{ name: 'bad name', password: 't3st-pass-9' }, 'name', 'invalid_characters'],
    [{ name: 'shorty' }, 'password', 'invalid_type'],
    [{ name: 'shorty', password: '12345' }, 'password', 'invalid_length'],
    [{ name: 'shorty', password: 't3st-pass-9', enabled: 'yes' }, 'enabled', 'invalid_type'],
    [{ name: 'shorty', password: 't3st-pass-9', grants: { publish: ['a b'] } }, 'grants.publish[0]', 'invalid_pattern'],
    [{ name: 'shorty', password: 't3st-pass-9', ipRanges: ['300.0.0.0/8'] }, 'ipRanges[0]', 'invalid_cidr'],
    [{ name: 'shorty', password: 't3st-pass-9', admin: true }, 'admin', 'unknown_field'],
  ])('answers 400 for %j naming %s', async (body, field, error) => {
    const res = await call('POST', '/users', body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field, error });
  });

  it.each([
    ['malformed JSON', '{"name": "x"', 400, 'invalid_json'],
    ['a JSON string', '"hello"', 400, 'invalid_body'],
    ['an empty body', '', 400, 'invalid_json'],
    ['a body over 64 KiB', JSON.stringify({ name: 'big', password: 'x'.repeat(70_000) }), 413, 'body_too_large'],
  ])('answers %s (%j) with %i %s', async (_n, body, status, error) => {
    const res = await call('POST', '/users', body);
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ error });
  });

  it('shows a user and answers 404 for a missing one', async () => {
    expect(await (await call('GET', '/users/testuser')).json()).toMatchObject({ name: 'testuser' });
    const missing = await call('GET', '/users/ghost');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'user_not_found' });
    expect((await call('GET', '/users/bad%20name')).status).toBe(400);
  });

  it('requires the admin token on every users route', async () => {
    for (const [method, path] of [['GET', '/users'], ['POST', '/users'], ['GET', '/users/testuser'], ['DELETE', '/users/testuser'], ['POST', '/users/testuser/grants']]) {
      const res = await call(method, path, method === 'POST' ? {} : undefined, 'wrong');
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'unauthorized' });
    }
    expect((await app.request('/users')).status).toBe(401);
  });

  it('updates with PATCH, and a stale version gets 409', async () => {
    const res = await call('PATCH', '/users/testuser', { ipRanges: ['10.0.0.0/8'], version: 1 });
    expect(await res.json()).toMatchObject({ ipRanges: ['10.0.0.0/8'], version: 2 });
    const stale = await call('PATCH', '/users/testuser', { enabled: false, version: 1 });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ error: 'version_conflict' });
    expect((await call('PATCH', '/users/testuser', { bogus: 1 })).status).toBe(400);
    expect(await (await call('PATCH', '/users/testuser', { version: 2 })).json()).toMatchObject({ field: 'body', error: 'nothing_to_change' });
    expect((await call('PATCH', '/users/ghost', { enabled: true })).status).toBe(404);
  });

  it('disables and enables, and the token provider follows', async () => {
    expect(await (await call('POST', '/users/testuser/disable')).json()).toMatchObject({ enabled: false });
    expect(await passwordOf('testuser')).toBeUndefined();
    expect(await (await call('POST', '/users/testuser/enable')).json()).toMatchObject({ enabled: true });
    expect(await passwordOf('testuser')).toBe('t3st-pass-9');
  });

  it('sets a password (write-only) and validates it', async () => {
    const res = await call('PUT', '/users/testuser/password', { password: 'n3w-secret' });
    expect(res.status).toBe(200);
    expect(await res.text()).not.toContain('n3w-secret');
    expect(await passwordOf('testuser')).toBe('n3w-secret');
    expect(await (await call('PUT', '/users/testuser/password', { password: 'x' })).json()).toMatchObject({ field: 'password' });
    expect((await call('PUT', '/users/ghost/password', { password: 'long-enough' })).status).toBe(404);
  });

  it('grants and revokes without duplicates, case-insensitively', async () => {
    let res = await call('POST', '/users/testuser/grants', { publish: ['MYSTREAM', 'cam-*'], play: ['live/*'] });
    expect(await res.json()).toMatchObject({ grants: { publish: ['myStream', 'cam-*'], play: ['live/*'] } });
    res = await call('POST', '/users/testuser/grants/revoke', { publish: ['Cam-*'] });
    expect(await res.json()).toMatchObject({ grants: { publish: ['myStream'], play: ['live/*'] } });
    expect((await call('POST', '/users/testuser/grants', { publish: 'x' })).status).toBe(400);
  });

  it('keeps every concurrent grant (optimistic retries)', async () => {
    await call('POST', '/users', { name: 'busy', password: 't3st-pass-9' });
    await Promise.all(Array.from({ length: 5 }, (_, i) => call('POST', '/users/busy/grants', { publish: [`s${i}`] })));
    const user = (await (await call('GET', '/users/busy')).json()) as { grants: { publish: string[] } };
    expect(user.grants.publish.sort()).toEqual(['s0', 's1', 's2', 's3', 's4']);
  });

  it('lists users page by page with a cursor and validates limit and cursor', async () => {
    for (let i = 0; i < 4; i++) await call('POST', '/users', { name: `lister${i}`, password: 't3st-pass-9' });
    const names: string[] = [];
    let url = '/users?limit=2';
    for (let guard = 0; guard < 10; guard++) {
      const page = (await (await call('GET', url)).json()) as { users: { name: string }[]; nextCursor?: string };
      names.push(...page.users.map((u) => u.name));
      if (!page.nextCursor) break;
      url = `/users?limit=2&cursor=${page.nextCursor}`;
    }
    expect(names.sort()).toEqual(['busy', 'lister0', 'lister1', 'lister2', 'lister3', 'testuser']);
    for (const q of ['limit=0', 'limit=101', 'limit=abc']) expect(await (await call('GET', `/users?${q}`)).json()).toMatchObject({ field: 'limit' });
    expect(await (await call('GET', '/users?cursor=%%%')).json()).toMatchObject({ field: 'cursor' });
  });

  it('deletes a user, then 404', async () => {
    expect((await call('DELETE', '/users/busy')).status).toBe(204);
    expect((await call('DELETE', '/users/busy')).status).toBe(404);
  });

  it('answers 405 for a wrong method on a known path and 404 JSON elsewhere', async () => {
    expect((await call('PUT', '/users')).status).toBe(405);
    expect((await call('POST', '/users/testuser')).status).toBe(405);
    expect((await call('GET', '/users/testuser/password')).status).toBe(405);
    const res = await call('GET', '/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
  });

  it('logs one line per request without passwords or the admin token', async () => {
    ctx.logs.length = 0;
    await call('POST', '/users', { name: 'logged', password: 'l0gged-secret' });
    expect(ctx.logs).toHaveLength(1);
    expect(ctx.logs[0]).toMatchObject({ route: 'users', method: 'POST', status: 201 });
    await call('POST', '/users/logged/disable', undefined, 'not-the-admin-token');
    expect(ctx.logs[1]).toMatchObject({ route: 'users', user: 'logged', status: 401, decision: 'error' });
    expect(JSON.stringify(ctx.logs)).not.toMatch(/l0gged-secret|admin-token-for-tests|not-the-admin-token/);
  });

  it('serves an OpenAPI document whose every operation is a real route', async () => {
    const res = await app.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as typeof openApiDocument;
    expect(doc.openapi).toBe('3.1.0');
    const { createFunctionsApp } = await import('#functions/local/create-functions-app.js');
    const all = createFunctionsApp(ctx.deps);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item).filter((k) => k !== 'parameters')) {
        const res = await all.request(path.replace('{name}', 'nobody-here'), { method: method.toUpperCase(), headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: method === 'get' || method === 'delete' ? undefined : '{}' });
        expect(res.status, `${method} ${path}`).not.toBe(405);
        if (res.status === 404) expect(await res.json(), `${method} ${path}`).toMatchObject({ error: path.startsWith('/relays') ? 'relay_not_found' : 'user_not_found' });
      }
    }
  });

  it('never answers 5xx to random JSON-ish bodies (seeded fuzz)', async () => {
    let seed = 99;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const base = JSON.stringify({ name: 'fuzzed', password: 't3st-pass-9', enabled: true, grants: { publish: ['a/b*'], play: ['x'] }, ipRanges: ['10.0.0.0/8'] });
    const pool = '{}[]",:0123456789aA/*.-_ \\u00e9tfn';
    for (let i = 0; i < 200; i++) {
      const chars = base.split('');
      for (let e = 0; e < 1 + Math.floor(rnd() * 3); e++) chars[Math.floor(rnd() * chars.length)] = pool[Math.floor(rnd() * pool.length)];
      const res = await call(i % 3 === 0 ? 'PATCH' : 'POST', i % 3 === 0 ? '/users/testuser' : '/users', chars.join(''));
      expect(res.status, chars.join('')).toBeLessThan(500);
      if (res.status === 201) await call('DELETE', `/users/${((await res.json()) as { name: string }).name}`);
    }
  });
});

