import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teaDecrypt, teaEncrypt } from '#domain/tea.js';
import { startLocalFunctions, type LocalFunctions } from '#functions/local/start-local-functions.js';

let dir: string;
let fns: LocalFunctions;
const logs: Record<string, unknown>[] = [];

/** What the Wowza module does (AUTH-SPEC §2.1): a bare form POST with Java's default headers. */
function wowzaPost(url: string, body: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/token`,
      {
        method: 'POST',
        headers: {
          'User-Agent': 'Java/17.0.15',
          Accept: 'text/html, image/gif, image/jpeg, */*; q=0.2',
          'Content-type': 'application/x-www-form-urlencoded',
          'Content-Length': Buffer.byteLength(body),
          Connection: 'keep-alive',
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const admin = (method: string, path: string, body?: unknown) =>
  fetch(`${fns.url}${path}`, { method, headers: { authorization: `Bearer ${fns.adminToken}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sg-local-'));
  fns = await startLocalFunctions({ dataDir: dir, port: 0, log: (e) => logs.push(e) });
});
afterAll(async () => {
  await fns?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('startLocalFunctions', () => {
  it('listens on a real ephemeral port and reports it in the url', () => {
    expect(fns.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(fns.url.endsWith(':0')).toBe(false);
  });

  it('generates the secrets as 0600 files under the data dir', () => {
    for (const f of ['admin-token', 'service-token', 'tea-secret', 'password-key']) {
      expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(join(dir, 'admin-token'), 'utf8').trim()).toBe(fns.adminToken);
    expect(fns.teaSecret.length).toBeGreaterThanOrEqual(16);
    expect(Buffer.from(readFileSync(join(dir, 'password-key'), 'utf8').trim(), 'base64')).toHaveLength(32);
  });

  it('serves a Wowza-module-like client over real HTTP: TEA(name) in, TEA(password) out', async () => {
    expect((await admin('POST', '/users', { name: 'testuser', password: 't3st-pass-9', grants: { publish: ['myStream'] } })).status).toBe(201);
    const res = await wowzaPost(fns.url, `clientid=${teaEncrypt('testuser', fns.teaSecret)}`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/json/);
    expect(teaDecrypt(JSON.parse(res.body).publisherToken, fns.teaSecret)).toBe('t3st-pass-9');
  });

  it('answers bad input over real HTTP without falling over', async () => {
    for (const body of ['clientid=zz', 'garbage&&&==', `clientid=${'a'.repeat(6000)}`, `clientid=${teaEncrypt('testuser', 'wrong-secret-0123456')}`]) {
      const res = await wowzaPost(fns.url, body);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ error: 'Invalid Client' });
    }
    const json = await fetch(`${fns.url}/users`, { method: 'POST', headers: { authorization: `Bearer ${fns.adminToken}` }, body: '{oops' });
    expect(json.status).toBe(400);
    expect((await fetch(`${fns.url}/nowhere`)).status).toBe(404);
    expect((await fetch(`${fns.url}/token`, { method: 'PUT' })).status).toBe(405);
    expect((await fetch(`${fns.url}/healthz`)).status).toBe(200);
  });

  it('answers the ingest on /acl with the service token', async () => {
    const res = await fetch(`${fns.url}/acl`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fns.serviceToken}` },
      body: JSON.stringify({ user: 'testuser', action: 'publish', app: 'live', stream: 'MyStream?t=1', ip: '127.0.0.1' }),
    });
    expect(await res.json()).toEqual({ allowed: true, reason: 'grant_matched', ttlSeconds: 30 });
  });

  it('writes JSON logs without passwords or tokens', () => {
    const text = JSON.stringify(logs);
    expect(text).toContain('"route":"token"');
    for (const secret of ['t3st-pass-9', fns.adminToken, fns.serviceToken, fns.teaSecret]) expect(text).not.toContain(secret);
  });

  it('keeps users and secrets across a restart, and a given TEA secret wins', async () => {
    const before = { admin: fns.adminToken, service: fns.serviceToken, tea: fns.teaSecret };
    await fns.close();
    fns = await startLocalFunctions({ dataDir: dir, port: 0, log: () => undefined });
    expect({ admin: fns.adminToken, service: fns.serviceToken, tea: fns.teaSecret }).toEqual(before);
    const res = await wowzaPost(fns.url, `clientid=${teaEncrypt('testuser', fns.teaSecret)}`);
    expect(teaDecrypt(JSON.parse(res.body).publisherToken, fns.teaSecret)).toBe('t3st-pass-9');
    await fns.close();
    fns = await startLocalFunctions({ dataDir: dir, port: 0, teaSecret: 'abcdefghijklmnop', log: () => undefined });
    expect(fns.teaSecret).toBe('abcdefghijklmnop');
    const res2 = await wowzaPost(fns.url, `clientid=${teaEncrypt('testuser', 'abcdefghijklmnop')}`);
    expect(teaDecrypt(JSON.parse(res2.body).publisherToken, 'abcdefghijklmnop')).toBe('t3st-pass-9');
  });
});

describe('startLocalFunctions with a hand-written token file', () => {
  it.each(['admin-token', 'service-token'])('refuses a %s file Hono bearerAuth could never accept, naming the file and never the value', async (name) => {
    const own = mkdtempSync(join(tmpdir(), 'sg-local-token-'));
    try {
      writeFileSync(join(own, name), 'my secret token\n', { mode: 0o600 });
      const err: unknown = await startLocalFunctions({ dataDir: own, port: 0, log: () => {} }).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'ConfigError', code: 'bad_bearer_token', variable: join(own, name) });
      expect((err as Error).message).not.toContain('my secret token');
      // The data dir is released: a fixed file starts.
      writeFileSync(join(own, name), 'my-secret-token\n');
      const fns = await startLocalFunctions({ dataDir: own, port: 0, log: () => {} });
      await fns.close();
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });
});
