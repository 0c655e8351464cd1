import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAclApp } from '#functions/acl/create-acl-app.js';
import { SERVICE_TOKEN, startTestDeps } from '../support/test-deps.js';

let ctx: Awaited<ReturnType<typeof startTestDeps>>;
let app: ReturnType<typeof createAclApp>;
const auth = { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' };
const ask = (body: unknown, headers: Record<string, string> = auth) =>
  app.request('/acl', { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
const question = { user: 'testuser', action: 'publish', app: 'live', stream: 'myStream', ip: '203.0.113.5' };

beforeAll(async () => {
  ctx = await startTestDeps({ aclTtlSeconds: 45 });
  app = createAclApp(ctx.deps);
  await ctx.deps.users.create({ name: 'testuser', password: '123456', enabled: true, grants: { publish: ['myStream'], play: ['live/*'] }, ipRanges: [] });
  await ctx.deps.users.create({ name: 'offuser', password: '123456', enabled: false, grants: { publish: ['*'], play: [] }, ipRanges: [] });
  await ctx.deps.users.create({ name: 'netuser', password: '123456', enabled: true, grants: { publish: ['*'], play: [] }, ipRanges: ['10.0.0.0/8'] });
});
afterAll(() => ctx.close());

describe('POST /acl', () => {
  it.each([
    [{}, true, 'grant_matched'],
    [{ stream: 'MYSTREAM?key=1' }, true, 'grant_matched'],
    [{ stream: 'other' }, false, 'no_matching_grant'],
    [{ action: 'play', stream: 'anything' }, true, 'grant_matched'],
    [{ action: 'play', app: 'vod', stream: 'anything' }, false, 'no_matching_grant'],
    [{ user: undefined }, false, 'no_user'],
    [{ user: '' }, false, 'no_user'],
    [{ user: 'ghost' }, false, 'unknown_user'],
    [{ user: 'not a valid name!' }, false, 'unknown_user'],
    [{ user: 'offuser' }, false, 'user_disabled'],
    [{ user: 'netuser', ip: '10.1.2.3' }, true, 'grant_matched'],
    [{ user: 'netuser', ip: '11.1.2.3' }, false, 'ip_not_allowed'],
    [{ stream: '?only=query' }, false, 'invalid_stream'],
  ])('answers %j with allowed=%s reason=%s and the configured ttl', async (over, allowed, reason) => {
    const res = await ask({ ...question, ...over });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ allowed, reason, ttlSeconds: 45 });
  });

  it.each([
    ['no authorization header', {}],
    ['a wrong token', { authorization: 'Bearer nope' }],
    ['a Basic credential', { authorization: `Basic ${SERVICE_TOKEN}` }],
  ])('answers 401 for %s', async (_n, headers) => {
    const res = await ask(question, headers as Record<string, string>);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'unauthorized' });
  });

  it('trusts the caller when the deployment says iam', async () => {
    const iamApp = createAclApp({ ...ctx.deps, aclAuth: 'iam' });
    const res = await iamApp.request('/acl', { method: 'POST', body: JSON.stringify(question) });
    expect(await res.json()).toMatchObject({ allowed: true });
  });

  it.each([
    ['malformed JSON', '{"user":', 'invalid_json', undefined],
    ['a JSON array', '[]', 'invalid_body', undefined],
    ['a bad action', { ...question, action: 'delete' }, 'invalid_value', 'action'],
    ['a missing app', { ...question, app: undefined }, 'invalid_type', 'app'],
    ['a numeric stream', { ...question, stream: 5 }, 'invalid_type', 'stream'],
    ['a missing ip', { ...question, ip: undefined }, 'invalid_type', 'ip'],
    ['an oversize stream', { ...question, stream: 'x'.repeat(1025) }, 'invalid_length', 'stream'],
  ])('answers 400 for %s naming the field', async (_n, body, error, field) => {
    const res = await ask(body);
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: string; field?: string };
    expect(json.error).toBe(error);
    expect(json.field).toBe(field);
  });

  it('answers 413 for a body over 4 KiB and 405 for GET', async () => {
    expect((await ask({ ...question, pad: 'x'.repeat(5000) })).status).toBe(413);
    expect((await app.request('/acl', { headers: auth })).status).toBe(405);
  });

  it('answers 500 without detail when the store fails, so the ingest denies', async () => {
    const broken = createAclApp({ ...ctx.deps, users: { ...ctx.deps.users, get: () => Promise.reject(new Error('store down')) } });
    const res = await broken.request('/acl', { method: 'POST', headers: auth, body: JSON.stringify(question) });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'internal', message: 'internal error' });
  });

  it('logs route, user, decision and latency, never the service token', async () => {
    ctx.logs.length = 0;
    await ask(question);
    expect(ctx.logs).toHaveLength(1);
    expect(ctx.logs[0]).toMatchObject({ route: 'acl', user: 'testuser', decision: 'allow', reason: 'grant_matched' });
    expect(typeof ctx.logs[0].latencyMs).toBe('number');
    expect(JSON.stringify(ctx.logs)).not.toContain(SERVICE_TOKEN);
  });
});
