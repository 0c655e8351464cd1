import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAwsCredentials, ECS_CREDENTIALS_HOST, type AwsCredentialsOptions } from '#ingest/auth/aws-credentials.js';
import type { FetchFn } from '#ingest/auth/fetch-json.js';

// A local HTTP server stands in for the ECS container credentials endpoint (169.254.170.2).
let server: Server;
let base: string;
let respond: (req: IncomingMessage, res: ServerResponse) => void;
const seen: { url: string; authorization: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    respond(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
afterEach(() => {
  seen.length = 0;
});

const T0 = Date.parse('2026-03-04T05:00:00Z');
let issued = 0;
/** An ECS-shaped answer; each one carries a new key id so refreshes are visible. */
function ecsAnswer(expiresAt: number) {
  issued++;
  return {
    RoleArn: 'arn:aws:iam::123456789012:role/streamgate-prod-ingest-TaskRole',
    AccessKeyId: `ASIAEXAMPLE${issued}`,
    SecretAccessKey: `secret-${issued}`,
    Token: `token-${issued}`,
    Expiration: new Date(expiresAt).toISOString(),
  };
}
const json = (res: ServerResponse, body: unknown, status = 200) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** Sends requests for 169.254.170.2 to the local stand-in, recording what was asked. */
const viaLocal: FetchFn = (input, init) => {
  const url = String(input);
  const asked = url.startsWith(ECS_CREDENTIALS_HOST) ? base + url.slice(ECS_CREDENTIALS_HOST.length) : url;
  return fetch(asked, init);
};

describe('createAwsCredentials (ECS task role)', () => {
  it('asks 169.254.170.2 + AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and returns the keys, token and expiry', async () => {
    respond = (_req, res) => json(res, ecsAnswer(T0 + 6 * 3600_000));
    const requested: string[] = [];
    const creds = createAwsCredentials(
      { containerRelativeUri: '/v2/credentials/0c1d-task' },
      { fetch: (input, init) => (requested.push(String(input)), viaLocal(input, init)), now: () => T0 },
    );
    const c = await creds.get();
    expect(requested).toEqual(['http://169.254.170.2/v2/credentials/0c1d-task']);
    expect(c).toEqual({ accessKeyId: `ASIAEXAMPLE${issued}`, secretAccessKey: `secret-${issued}`, sessionToken: `token-${issued}`, expiration: new Date(T0 + 6 * 3600_000) });
  });

  it('sends AWS_CONTAINER_AUTHORIZATION_TOKEN to AWS_CONTAINER_CREDENTIALS_FULL_URI', async () => {
    respond = (_req, res) => json(res, ecsAnswer(T0 + 3600_000));
    const creds = createAwsCredentials({ containerFullUri: `${base}/creds?x=1`, containerAuthorizationToken: 'Basic abc==' }, { now: () => T0 });
    await creds.get();
    expect(seen).toEqual([{ url: '/creds?x=1', authorization: 'Basic abc==' }]);
  });

  it('caches until 5 minutes before Expiration, then refreshes; concurrent callers share one request', async () => {
    let t = T0;
    const expiry = T0 + 3600_000;
    respond = (_req, res) => json(res, ecsAnswer(t < expiry - 300_000 ? expiry : expiry + 3600_000));
    const creds = createAwsCredentials({ containerRelativeUri: '/v2/credentials/x' }, { fetch: viaLocal, now: () => t });
    const [a, b, c] = await Promise.all([creds.get(), creds.get(), creds.get()]);
    expect(seen).toHaveLength(1);
    expect(b).toBe(a);
    expect(c).toBe(a);
    t = expiry - 300_000 - 1;
    expect(await creds.get()).toBe(a);
    expect(seen).toHaveLength(1);
    t = expiry - 300_000;
    const fresh = await creds.get();
    expect(seen).toHaveLength(2);
    expect(fresh.accessKeyId).not.toBe(a.accessKeyId);
    expect(fresh.expiration).toEqual(new Date(expiry + 3600_000));
    t += 60_000;
    expect(await creds.get()).toBe(fresh);
    expect(seen).toHaveLength(2);
  });

  it('keeps using unexpired credentials when a refresh fails, and rejects once they have expired', async () => {
    let t = T0;
    const expiry = T0 + 3600_000;
    let up = true;
    respond = (_req, res) => (up ? json(res, ecsAnswer(expiry)) : json(res, { message: 'down' }, 500));
    const creds = createAwsCredentials({ containerRelativeUri: '/v2/credentials/x' }, { fetch: viaLocal, now: () => t });
    const first = await creds.get();
    up = false;
    t = expiry - 60_000; // inside the refresh margin: a refresh is tried and fails
    expect(await creds.get()).toBe(first);
    expect(seen).toHaveLength(2);
    t = expiry;
    await expect(creds.get()).rejects.toMatchObject({ code: 'aws_credentials_unreachable' });
  });

  const broken: [string, (res: ServerResponse) => void, string][] = [
    ['a 500', (res) => json(res, { code: 'InternalError' }, 500), 'aws_credentials_unreachable'],
    ['a 404', (res) => json(res, {}, 404), 'aws_credentials_unreachable'],
    ['a body that is not JSON', (res) => res.end('<html>'), 'aws_credentials_bad_body'],
    ['JSON without keys', (res) => json(res, { Token: 'x' }), 'aws_credentials_bad_body'],
    ['an empty secret', (res) => json(res, { AccessKeyId: 'A', SecretAccessKey: '' }), 'aws_credentials_bad_body'],
    ['an Expiration that is not a date', (res) => json(res, { AccessKeyId: 'A', SecretAccessKey: 'S', Expiration: 'soon' }), 'aws_credentials_bad_body'],
    ['a declared body over 16 KiB', (res) => json(res, { AccessKeyId: 'A', SecretAccessKey: 'S', pad: 'x'.repeat(20_000) }), 'aws_credentials_bad_body'],
    [
      'a chunked body over 16 KiB',
      (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 20; i++) res.write('x'.repeat(1024));
        res.end();
      },
      'aws_credentials_bad_body',
    ],
  ];
  it.each(broken)('rejects %s with a coded error (the caller then denies)', async (_name, answer, code) => {
    respond = (_req, res) => answer(res);
    const creds = createAwsCredentials({ containerRelativeUri: '/v2/credentials/x' }, { fetch: viaLocal, now: () => T0 });
    await expect(creds.get()).rejects.toMatchObject({ name: 'AwsCredentialsError', code });
  });

  it('rejects with aws_credentials_unreachable when nothing listens', async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const creds = createAwsCredentials({ containerFullUri: `http://127.0.0.1:${port}/creds` }, { now: () => T0 });
    await expect(creds.get()).rejects.toMatchObject({ code: 'aws_credentials_unreachable' });
  });

  it('gives up on a hanging endpoint after timeoutMs, and the next call tries again', async () => {
    const hanging: ServerResponse[] = [];
    respond = (_req, res) => void hanging.push(res);
    const opts: AwsCredentialsOptions = { fetch: viaLocal, now: () => T0, timeoutMs: 200 };
    const creds = createAwsCredentials({ containerRelativeUri: '/v2/credentials/x' }, opts);
    const started = performance.now();
    await expect(creds.get()).rejects.toMatchObject({ code: 'aws_credentials_timeout' });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1000);
    respond = (_req, res) => json(res, ecsAnswer(T0 + 3600_000));
    expect((await creds.get()).accessKeyId).toBe(`ASIAEXAMPLE${issued}`);
    for (const res of hanging) res.destroy();
  });

  it("stops waiting when the caller's signal aborts", async () => {
    const hanging: ServerResponse[] = [];
    respond = (_req, res) => void hanging.push(res);
    const creds = createAwsCredentials({ containerRelativeUri: '/v2/credentials/x' }, { fetch: viaLocal, now: () => T0, timeoutMs: 5000 });
    const started = performance.now();
    await expect(creds.get(AbortSignal.timeout(100))).rejects.toMatchObject({ code: 'aws_credentials_timeout' });
    expect(performance.now() - started).toBeLessThan(1000);
    for (const res of hanging) res.destroy();
  });
});

describe('createAwsCredentials (configuration)', () => {
  it('prefers static AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN and asks no endpoint', async () => {
    let fetched = 0;
    const creds = createAwsCredentials(
      { accessKeyId: 'AKIA1', secretAccessKey: 'S1', sessionToken: 'T1', containerRelativeUri: '/v2/credentials/x' },
      { fetch: async () => (fetched++, new Response('{}')) },
    );
    expect(await creds.get()).toEqual({ accessKeyId: 'AKIA1', secretAccessKey: 'S1', sessionToken: 'T1' });
    expect(await creds.get()).toEqual({ accessKeyId: 'AKIA1', secretAccessKey: 'S1', sessionToken: 'T1' });
    expect(fetched).toBe(0);
  });

  it('throws aws_credentials_missing when no source is configured (a key id alone is none)', () => {
    expect(() => createAwsCredentials({})).toThrow(expect.objectContaining({ code: 'aws_credentials_missing' }));
    expect(() => createAwsCredentials({ accessKeyId: 'AKIA1' })).toThrow(expect.objectContaining({ code: 'aws_credentials_missing' }));
  });

  it('accepts a full URI only over HTTPS or to the container/loopback addresses', () => {
    for (const ok of ['https://creds.example.com/x', 'http://169.254.170.23/v1/credentials', 'http://[fd00:ec2::23]/x', 'http://127.0.0.1:51679/x', 'http://localhost/x']) {
      expect(() => createAwsCredentials({ containerFullUri: ok })).not.toThrow();
    }
    for (const bad of ['http://creds.example.com/x', 'http://10.0.0.5/x', 'file:///etc/passwd', 'not a url']) {
      expect(() => createAwsCredentials({ containerFullUri: bad })).toThrow(expect.objectContaining({ code: 'aws_credentials_bad_uri' }));
    }
  });
});
