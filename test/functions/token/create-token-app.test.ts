import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teaDecrypt, teaEncrypt } from '#domain/tea.js';
import { createTokenApp } from '#functions/token/create-token-app.js';
import { lambdaEnv, startTestDeps, TEA_SECRET } from '../support/test-deps.js';

let ctx: Awaited<ReturnType<typeof startTestDeps>>;
let app: ReturnType<typeof createTokenApp>;
let ipCounter = 0;
// A fresh source ip per request keeps the failure throttle out of tests that are not about it.
const post = (body: RequestInit['body'], headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }, ip = `198.51.100.${++ipCounter % 250}`) =>
  app.request('/token', { method: 'POST', body, headers }, lambdaEnv(ip));
const INVALID = { error: 'Invalid Client' };

beforeAll(async () => {
  ctx = await startTestDeps();
  app = createTokenApp(ctx.deps);
  await ctx.deps.users.create({ name: 'alice12', password: 's3cret-pass', enabled: true, grants: { publish: ['*'], play: [] }, ipRanges: [] });
  await ctx.deps.users.create({ name: 'sleeper', password: 'pass-word-1', enabled: false, grants: { publish: ['*'], play: [] }, ipRanges: [] });
});
afterAll(() => ctx.close());

describe('POST /token (AUTH-SPEC §2.3)', () => {
  it('answers the vector token for the vector clientid, as JSON', async () => {
    const res = await post('clientid=f90bf8126aff164e');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.text()).toBe('{"publisherToken":"62e099de2239dae8f963f986"}');
  });

  it('accepts uppercase hex, a charset parameter, %-encoding and takes the first clientid', async () => {
    for (const [body, type] of [
      ['clientid=F90BF8126AFF164E', 'application/x-www-form-urlencoded'],
      ['clientid=f90bf8126aff164e', 'Application/X-WWW-Form-Urlencoded; charset=UTF-8'],
      ['clientid=%66%39%30bf8126aff164e', 'application/x-www-form-urlencoded'],
      [`clientid=f90bf8126aff164e&clientid=${teaEncrypt('sleeper', TEA_SECRET)}`, 'application/x-www-form-urlencoded'],
      ['other=1&clientid=f90bf8126aff164e', 'text/plain'],
    ]) {
      const res = await post(body, { 'content-type': type });
      expect(teaDecrypt(((await res.json()) as { publisherToken: string }).publisherToken, TEA_SECRET)).toBe('s3cret-pass');
    }
  });

  const bad: Array<[string, RequestInit['body']]> = [
    ['an unknown user', `clientid=${teaEncrypt('nobody42', TEA_SECRET)}`],
    ['a disabled user', `clientid=${teaEncrypt('sleeper', TEA_SECRET)}`],
    ['a clientid made with the wrong secret', `clientid=${teaEncrypt('alice12', 'Str3amGate!Secr3t#2026')}`],
    ['bad hex', 'clientid=zz0bf8126aff164e'],
    ['odd length hex', 'clientid=f90bf8126aff164'],
    ['one word of hex', 'clientid=f90bf812'],
    ['a 0x prefix', 'clientid=0xf90bf8126aff164e'],
    ['a missing clientid', 'user=alice12'],
    ['an empty clientid', 'clientid='],
    ['an empty body', null],
    ['garbage bytes', new Uint8Array([0xff, 0xfe, 0x00, 0x3d, 0x26, 0x80])],
    ['a JSON body', '{"clientid":"f90bf8126aff164e"}'],
    ['a clientid over 512 hex digits', `clientid=${'ab'.repeat(260)}`],
    ['a clientid that decrypts to an invalid user name', `clientid=${teaEncrypt('bad name!', TEA_SECRET)}`],
    ['a body over 4 KiB', `clientid=f90bf8126aff164e&pad=${'x'.repeat(5000)}`],
  ];
  it.each(bad)('answers 200 Invalid Client for %s', async (_name, body) => {
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(INVALID);
  });

  it('answers Invalid Client to a streamed body that grows past 4 KiB without reading it all', async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 1000) controller.close();
        else controller.enqueue(new TextEncoder().encode('clientid='.padEnd(1024, 'a')));
      },
    });
    const res = await app.request('/token', { method: 'POST', body: stream, duplex: 'half' } as RequestInit, lambdaEnv('192.0.2.200'));
    expect(await res.json()).toEqual(INVALID);
    expect(pulled).toBeLessThan(10);
  });

  it('answers GET with the version and other methods with 405', async () => {
    const get = await app.request('/token');
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ 'Auth Server Version': 'v1.0' });
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const res = await app.request('/token', { method });
      expect(res.status).toBe(405);
      expect(await res.json()).toEqual({ error: 'Method Not Allowed' });
    }
  });

  it('throttles a source after 20 failed lookups: even a valid clientid then gets Invalid Client', async () => {
    const ip = '203.0.113.99';
    for (let i = 0; i < 20; i++) expect(await (await post(`clientid=${teaEncrypt(`guess${i}x`, TEA_SECRET)}`, undefined, ip)).json()).toEqual(INVALID);
    expect(await (await post('clientid=f90bf8126aff164e', undefined, ip)).json()).toEqual(INVALID);
    // Another source is unaffected.
    expect(await (await post('clientid=f90bf8126aff164e', undefined, '203.0.113.100')).json()).toHaveProperty('publisherToken');
  });

  it('logs user, decision and latency on one line per request, never the password, token or clientid', async () => {
    ctx.logs.length = 0;
    await post('clientid=f90bf8126aff164e', undefined, '192.0.2.1');
    await post(`clientid=${teaEncrypt('nobody42', TEA_SECRET)}`, undefined, '192.0.2.1');
    expect(ctx.logs).toHaveLength(2);
    expect(ctx.logs[0]).toMatchObject({ route: 'token', user: 'alice12', decision: 'allow', ip: '192.0.2.1' });
    expect(typeof ctx.logs[0].latencyMs).toBe('number');
    expect(ctx.logs[1]).toMatchObject({ route: 'token', user: 'nobody42', decision: 'deny', reason: 'unknown_user' });
    const text = JSON.stringify(ctx.logs);
    for (const secret of ['s3cret-pass', '62e099de2239dae8f963f986', 'f90bf8126aff164e']) expect(text).not.toContain(secret);
  });

  it('answers Invalid Client, not a 5xx, when the store fails', async () => {
    const broken = createTokenApp({ ...ctx.deps, users: { ...ctx.deps.users, getWithPassword: () => Promise.reject(new Error('store down')) } });
    const res = await broken.request('/token', { method: 'POST', body: 'clientid=f90bf8126aff164e' }, lambdaEnv('192.0.2.9'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(INVALID);
  });

  it('answers every random body with 200 and either a token or Invalid Client (seeded fuzz)', async () => {
    let seed = 1234;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const valid = new TextEncoder().encode('clientid=f90bf8126aff164e');
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from(valid);
      const edits = 1 + Math.floor(rnd() * 4);
      for (let e = 0; e < edits; e++) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
      const res = await post(i % 2 ? bytes : bytes.subarray(0, Math.floor(rnd() * bytes.length)));
      expect(res.status).toBe(200);
      const json = (await res.json()) as Record<string, unknown>;
      expect(json.error === 'Invalid Client' || typeof json.publisherToken === 'string').toBe(true);
    }
  });
});

