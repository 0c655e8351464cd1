import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyConnect } from '#ingest/auth/classify-connect.js';
import { AUTH_RESPONSE_MAX_BYTES, fetchJson } from '#ingest/auth/fetch-json.js';
import { MemoryReplayCache } from '#ingest/auth/memory-replay-cache.js';
import { createAclClient } from '#ingest/auth/acl-client.js';
import { createTokenClient } from '#ingest/auth/token-client.js';
import { teaEncrypt } from '#domain/tea.js';

describe('MemoryReplayCache', () => {
  it('lets an id be claimed once until it expires', () => {
    const c = new MemoryReplayCache(10);
    expect(c.claim('x', 100, 0)).toBe(true);
    expect(c.claim('x', 100, 50)).toBe(false);
    expect(c.claim('x', 200, 100)).toBe(true);
  });

  it('fails closed when full of live ids, and makes room from expired ones', () => {
    const c = new MemoryReplayCache(2);
    expect(c.claim('a', 100, 0)).toBe(true);
    expect(c.claim('b', 100, 0)).toBe(true);
    expect(c.claim('c', 100, 0)).toBe(false);
    expect(c.claim('c', 300, 100)).toBe(true);
    expect(c.size).toBeLessThanOrEqual(2);
  });
});

describe('classifyConnect', () => {
  it.each([
    ['FFmpeg publishing', { app: 'live', type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; Lavf59.27.100)', tcUrl: 'rtmp://h/live' }, 'publisher'],
    ['FFmpeg playing', { app: 'live', flashVer: 'LNX 9,0,124,2', tcUrl: 'rtmp://h/live', fpad: false, capabilities: 15, audioCodecs: 4071, videoCodecs: 252 }, 'player'],
    ['publisher hint wins over capabilities', { type: 'nonprivate', audioCodecs: 1 }, 'publisher'],
    ['bare connect', { app: 'live', tcUrl: 'rtmp://h/live' }, 'unknown'],
    ['no object', undefined, 'unknown'],
  ] as const)('%s → %s', (_n, obj, role) => {
    expect(classifyConnect(obj)).toBe(role);
  });
});

describe('functions HTTP clients against a scripted server', () => {
  let server: Server;
  let url = '';
  let reply: (path: string, body: string) => { status: number; body: string; headers?: Record<string, string> } = () => ({ status: 200, body: '{}' });
  let seen: { path: string; body: string; headers: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ path: req.url ?? '', body, headers: req.headers });
        const r = reply(req.url ?? '', body);
        res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
        res.end(r.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const secret = 'abcdefghijklmnop';

  it('token client posts the Wowza form and decrypts publisherToken', async () => {
    seen = [];
    reply = () => ({ status: 200, body: JSON.stringify({ publisherToken: teaEncrypt('s3cret-pass', secret) }) });
    const pw = await createTokenClient({ functionsUrl: url, teaSecret: secret }).lookupPassword('alice12', AbortSignal.timeout(1000));
    expect(pw).toBe('s3cret-pass');
    expect(seen[0]).toMatchObject({ path: '/token', body: 'clientid=f90bf8126aff164e' });
    expect(seen[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen[0]!.headers.authorization).toBeUndefined();
  });

  it('token client adds the service bearer token when given one', async () => {
    seen = [];
    reply = () => ({ status: 200, body: '{"error":"Invalid Client"}' });
    await createTokenClient({ functionsUrl: url, teaSecret: secret, serviceToken: 'svc-token' }).lookupPassword('alice12', AbortSignal.timeout(1000));
    expect(seen[0]!.headers.authorization).toBe('Bearer svc-token');
    expect(seen[0]!.body).toBe('clientid=f90bf8126aff164e');
  });

  it.each([
    ['Invalid Client', { status: 200, body: '{"error":"Invalid Client"}' }, undefined],
    ['undecryptable token', { status: 200, body: '{"publisherToken":"zz"}' }, undefined],
    ['empty token', { status: 200, body: '{"publisherToken":""}' }, undefined],
  ])('token client treats %s as an unknown user', async (_n, r, expected) => {
    reply = () => r;
    expect(await createTokenClient({ functionsUrl: url, teaSecret: secret }).lookupPassword('alice12', AbortSignal.timeout(1000))).toBe(expected);
  });

  it.each([
    ['HTTP 500', { status: 500, body: '{}' }, 'auth_bad_status'],
    ['HTTP 404', { status: 404, body: '' }, 'auth_bad_status'],
    ['not JSON', { status: 200, body: '<html>' }, 'auth_bad_body'],
    ['JSON null', { status: 200, body: 'null' }, 'auth_bad_body'],
    ['a body over the limit', { status: 200, body: ' '.repeat(AUTH_RESPONSE_MAX_BYTES + 1) + '{}' }, 'auth_bad_body'],
  ])('token client rejects %s with a coded service error', async (_n, r, code) => {
    reply = () => r;
    await expect(createTokenClient({ functionsUrl: url, teaSecret: secret }).lookupPassword('alice12', AbortSignal.timeout(1000))).rejects.toMatchObject({ code });
  });

  it('a streamed body over the limit without Content-Length is cut off', async () => {
    reply = () => ({ status: 200, body: '"' + 'x'.repeat(AUTH_RESPONSE_MAX_BYTES * 2) + '"', headers: { 'transfer-encoding': 'chunked' } });
    await expect(fetchJson(fetch, url + 'x', { headers: {}, body: '', signal: AbortSignal.timeout(1000) })).rejects.toMatchObject({ code: 'auth_bad_body' });
  });

  it('acl client sends the bearer service token and JSON, and validates the answer', async () => {
    seen = [];
    reply = () => ({ status: 200, body: '{"allowed":true,"reason":"grant_matched","ttlSeconds":30}' });
    const acl = createAclClient({ functionsUrl: url, serviceToken: 'svc-token' });
    const req = { user: 'alice12', action: 'publish' as const, app: 'live', stream: 'cam1', ip: '1.2.3.4' };
    expect(await acl.check(req, AbortSignal.timeout(1000))).toEqual({ allowed: true, reason: 'grant_matched', ttlSeconds: 30 });
    expect(seen[0]).toMatchObject({ path: '/acl', body: JSON.stringify(req) });
    expect(seen[0]!.headers.authorization).toBe('Bearer svc-token');
    for (const bad of [
      '{"allowed":"yes","reason":"grant_matched","ttlSeconds":30}',
      '{"allowed":true,"reason":"no_matching_grant","ttlSeconds":30}',
      '{"allowed":false,"reason":"made_up","ttlSeconds":30}',
      '{"allowed":false,"reason":"no_user","ttlSeconds":-1}',
      '[]',
    ]) {
      reply = () => ({ status: 200, body: bad });
      await expect(acl.check(req, AbortSignal.timeout(1000)), bad).rejects.toMatchObject({ code: 'auth_bad_body' });
    }
    reply = () => ({ status: 401, body: '{"error":"unauthorized"}' });
    await expect(acl.check(req, AbortSignal.timeout(1000))).rejects.toMatchObject({ code: 'auth_bad_status' });
  });
});
