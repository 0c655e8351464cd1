
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLocalFunctions } from '#test/support/use-local-functions.js';
import type { AuthEvent } from '#ingest/auth/authorizer.js';
import { createAuthorizer, type AuthorizerConfig } from '#ingest/auth/create-authorizer.js';
import { appQueryPassword, rtmpPublishRequests } from '#test/support/rtmp-publish-requests.js';
import { adobeStep3App } from './adobe-test-client.js';

// The authorizer against a REAL local functions server (dynalite-backed token, acl, users apps).
const fns = useLocalFunctions('sg-auth-');
let httpCalls = 0;
const countingFetch = (input: string | URL, init?: RequestInit): Promise<Response> => {
  httpCalls++;
  return fetch(input, init);
};

async function admin(method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(fns.url + path, {
    method,
    headers: { authorization: `Bearer ${fns.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
}

function authorizerFor(config: Partial<AuthorizerConfig> = {}, events: AuthEvent[] = []) {
  return createAuthorizer(
    { functionsUrl: fns.url, teaSecret: fns.teaSecret, serviceToken: fns.serviceToken, failureDelayMs: 20, ...config },
    { log: (e) => events.push(e), fetch: countingFetch },
  );
}

const pw = appQueryPassword;
const publish = rtmpPublishRequests('127.0.0.1');

beforeAll(async () => {
  await admin('POST', '/users', { name: 'alice12', password: 's3cret-pass', grants: { publish: ['cam1', 'live/studio*'], play: ['cam1'] } });
  await admin('POST', '/users', { name: 'carol01', password: 'carol-pass', enabled: false, grants: { publish: ['cam1'], play: [] } });
  await admin('POST', '/users', { name: 'dave001', password: 'dave-pass1', grants: { publish: ['davecam'], play: [] } });
});

describe('authorizer against the real functions', () => {
  it('allows the right password on a granted stream', async () => {
    const d = await authorizerFor().authorize(publish('cam1', pw('alice12', 's3cret-pass')));
    expect(d).toMatchObject({ allowed: true, reason: 'allowed', user: 'alice12', stream: 'cam1' });
    expect(d.recheckAtMs).toBeGreaterThan(Date.now());
  });

  it('allows a mixed-case name with a ?query suffix for the granted name', async () => {
    const d = await authorizerFor().authorize(publish('CaM1?token=abc&x=1', pw('alice12', 's3cret-pass')));
    expect(d).toMatchObject({ allowed: true, stream: 'CaM1' });
    expect(await authorizerFor().authorize(publish('Studio-B', pw('alice12', 's3cret-pass')))).toMatchObject({ allowed: true });
  });

  it('denies a wrong password', async () => {
    expect(await authorizerFor().authorize(publish('cam1', pw('alice12', 'wrong-pass')))).toMatchObject({ allowed: false, reason: 'bad_credentials' });
  });

  it('denies an unknown user', async () => {
    expect(await authorizerFor().authorize(publish('cam1', pw('nobody99', 'whatever1')))).toMatchObject({ allowed: false, reason: 'bad_credentials' });
  });

  it('denies a disabled user', async () => {
    expect(await authorizerFor().authorize(publish('cam1', pw('carol01', 'carol-pass')))).toMatchObject({ allowed: false, reason: 'bad_credentials' });
  });

  it('denies a stream name outside the grants with the exact Denied text', async () => {
    const d = await authorizerFor().authorize(publish('Other?x=1', pw('alice12', 's3cret-pass')));
    expect(d).toEqual({
      allowed: false,
      reason: 'stream_not_allowed',
      stream: 'Other',
      user: 'alice12',
      description: 'Stream name not allowed for the logged in user: Other',
    });
  });

  it('runs the whole Adobe challenge with the password from /token', async () => {
    const a = authorizerFor();
    const s2 = await a.connect({ app: 'live?authmod=adobe&user=alice12', ip: '127.0.0.1', protocol: 'rtmp', role: 'publisher' });
    expect(s2).toMatchObject({ kind: 'reject', reason: 'challenge' });
    const app = adobeStep3App('live', s2.kind === 'reject' ? s2.description : '', 'alice12', 's3cret-pass');
    const s3 = await a.connect({ app, ip: '127.0.0.1', protocol: 'rtmp', role: 'publisher' });
    expect(s3).toMatchObject({ kind: 'accept', credentials: { kind: 'verified', user: 'alice12' } });
    if (s3.kind !== 'accept') return;
    expect(await a.authorize(publish('cam1', s3.credentials))).toMatchObject({ allowed: true });
    expect(await a.authorize(publish('bobcam', s3.credentials))).toMatchObject({ allowed: false, reason: 'stream_not_allowed' });
  });

  it('serves a cached answer with no HTTP call', async () => {
    const a = authorizerFor();
    await a.authorize(publish('cam1', pw('alice12', 's3cret-pass')));
    const before = httpCalls;
    const d = await a.authorize(publish('CAM1', pw('alice12', 's3cret-pass')));
    expect(d).toMatchObject({ allowed: true });
    expect(httpCalls).toBe(before);
  });

  it('recheck sees a grant revoked while publishing', async () => {
    const a = authorizerFor();
    const req = publish('davecam', pw('dave001', 'dave-pass1'));
    expect((await a.authorize(req)).allowed).toBe(true);
    await admin('POST', '/users/dave001/grants/revoke', { publish: ['davecam'] });
    expect((await a.authorize(req)).allowed).toBe(true); // cached until recheckAtMs
    expect(await a.recheck(req)).toMatchObject({ allowed: false, reason: 'stream_not_allowed' });
  });

  it('throttles an address after repeated failures without calling the functions', async () => {
    const a = authorizerFor({ maxFailures: 3 });
    for (let i = 0; i < 3; i++) await a.authorize(publish('cam1', pw('alice12', `guess-${i}x`), '192.0.2.7'));
    const before = httpCalls;
    const t0 = performance.now();
    expect(await a.authorize(publish('cam1', pw('alice12', 's3cret-pass'), '192.0.2.7'))).toMatchObject({ allowed: false, reason: 'throttled' });
    expect(httpCalls).toBe(before);
    expect(performance.now() - t0).toBeLessThan(50);
    expect(await a.authorize(publish('cam1', pw('alice12', 's3cret-pass'), '192.0.2.8'))).toMatchObject({ allowed: true });
  });

  it('delays each failure answer by the configured delay', async () => {
    const a = authorizerFor({ failureDelayMs: 150 });
    const t0 = performance.now();
    await a.authorize(publish('cam1', pw('alice12', 'wrong-pass2'), '192.0.2.9'));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });
});

describe('authorizer when the functions are down or hanging', () => {
  let hanging: Server;
  let hangingUrl = '';
  let closedUrl = '';

  beforeAll(async () => {
    // A server that accepts connections and never answers.
    hanging = createServer(() => {});
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
    // A port that was free a moment ago: connection refused.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    closedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((r) => probe.close(() => r()));
  });
  afterAll(() => {
    // Drop the half-open connections the hanging server still holds.
    hanging.close();
    (hanging as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
  });

  it('denies quickly when the functions port is closed', async () => {
    const events: AuthEvent[] = [];
    const a = authorizerFor({ functionsUrl: closedUrl, timeoutMs: 2000 }, events);
    const t0 = performance.now();
    const d = await a.authorize(publish('cam1', pw('alice12', 's3cret-pass')));
    expect(d).toMatchObject({ allowed: false, reason: 'service_unavailable' });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(events.at(-1)).toMatchObject({ allowed: false, reason: 'service_unavailable', errorCode: 'auth_unreachable' });
  });

  it('denies within the timeout when the functions never answer', async () => {
    const a = authorizerFor({ functionsUrl: hangingUrl, timeoutMs: 300 });
    const t0 = performance.now();
    const d = await a.authorize(publish('cam1', pw('alice12', 's3cret-pass')));
    const elapsed = performance.now() - t0;
    expect(d).toMatchObject({ allowed: false, reason: 'timeout' });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1000);
  });

  it('rejects an Adobe step 3 within the timeout when the functions never answer', async () => {
    const a = authorizerFor({ functionsUrl: hangingUrl, timeoutMs: 300 });
    const s2 = await a.connect({ app: 'live?authmod=adobe&user=alice12', ip: '127.0.0.1', protocol: 'rtmp', role: 'publisher' });
    const app = adobeStep3App('live', s2.kind === 'reject' ? s2.description : '', 'alice12', 's3cret-pass');
    const t0 = performance.now();
    expect(await a.connect({ app, ip: '127.0.0.1', protocol: 'rtmp', role: 'publisher' })).toMatchObject({ kind: 'reject', reason: 'timeout' });
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
