import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRelaysApp } from '#functions/relays/create-relays-app.js';
import { createUsersApp } from '#functions/users/create-users-app.js';
import { ADMIN_TOKEN, SERVICE_TOKEN, startTestDeps } from '../support/test-deps.js';

let ctx: Awaited<ReturnType<typeof startTestDeps>>;
let strict: Awaited<ReturnType<typeof startTestDeps>>;
const call = (deps: typeof ctx, method: string, path: string, body?: unknown, token = ADMIN_TOKEN) =>
  createRelaysApp(deps.deps).request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

beforeAll(async () => {
  ctx = await startTestDeps({ relayAllowPrivate: true });
  strict = await startTestDeps({ relayAllowPrivate: false });
  await createUsersApp(ctx.deps).request('/users', {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'alice', password: 'al1ce-secret', grants: { publish: ['live/alice-*'] } }),
  });
});
afterAll(async () => {
  await ctx.close();
  await strict.close();
});

describe('relays API', () => {
  it('adds a push relay (201); list and the answer redact the stream key; the ingest reads it in clear; the key is not stored in clear', async () => {
    const res = await call(ctx, 'POST', '/relays', { stream: 'Live/Cam1', push: ['rtmp://a.rtmp.youtube.com/live2/abcd-SECRET-key'] });
    expect(res.status).toBe(201);
    const text = await res.text();
    expect(text).not.toContain('SECRET');
    const created = JSON.parse(text) as { id: string; stream: string; push: string[] };
    expect(created).toMatchObject({ stream: 'live/cam1', push: ['rtmp://a.rtmp.youtube.com/live2/***'] });
    const list = await (await call(ctx, 'GET', '/relays')).text();
    expect(list).toContain(created.id);
    expect(list).not.toContain('SECRET');
    const ingest = (await (await call(ctx, 'GET', '/ingest/relays', undefined, SERVICE_TOKEN)).json()) as { relays: { id: string; push?: string[] }[] };
    expect(ingest.relays.find((r) => r.id === created.id)!.push).toEqual(['rtmp://a.rtmp.youtube.com/live2/abcd-SECRET-key']);
    expect(JSON.stringify(ctx.logs)).not.toContain('SECRET');
    // At rest: the table holds ciphertext only.
    const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
    const doc = (ctx.deps.relays as unknown as { doc: { send(c: InstanceType<typeof ScanCommand>): Promise<{ Items?: unknown[] }> } }).doc;
    const raw = await doc.send(new ScanCommand({ TableName: 'relays' }));
    expect(raw.Items!.length).toBeGreaterThan(0);
    expect(JSON.stringify(raw.Items)).not.toContain('SECRET');
  });

  it('adds a pull relay (on-demand by default) and removes it (204, then 404)', async () => {
    const res = await call(ctx, 'POST', '/relays', { stream: 'live/cam2', pull: 'rtsp://user:pa55@192.168.1.20/stream1' });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; pull: string; mode: string };
    expect(created).toMatchObject({ pull: 'rtsp://user:***@192.168.1.20/stream1', mode: 'on-demand' });
    expect((await call(ctx, 'DELETE', `/relays/${created.id}`)).status).toBe(204);
    expect((await call(ctx, 'DELETE', `/relays/${created.id}`)).status).toBe(404);
  });

  it('adds an SRT push target and an SRT pull source (caller mode); stream id and passphrase are shown as ***', async () => {
    const push = await call(ctx, 'POST', '/relays', { stream: 'live/cam6', push: ['srt://203.0.113.9:9000?streamid=publish:live/cam6&passphrase=SECRET-phrase-9'] });
    expect(push.status).toBe(201);
    expect(await push.json()).toMatchObject({ push: ['srt://203.0.113.9:9000?***'] });
    const pull = await call(ctx, 'POST', '/relays', { stream: 'live/cam7', pull: 'srt://203.0.113.9?streamid=read:live/cam7' });
    expect(pull.status).toBe(201);
    expect(await pull.json()).toMatchObject({ pull: 'srt://203.0.113.9?***' });
    expect(JSON.stringify(ctx.logs)).not.toContain('SECRET');
  });

  it('turns a relay off (kept, not handed to the ingest) and on again; an unknown id is 404', async () => {
    const created = (await (await call(ctx, 'POST', '/relays', { stream: 'live/cam5', push: ['rtmp://10.0.0.5/live/k5'] })).json()) as { id: string };
    const ingestIds = async () =>
      ((await (await call(ctx, 'GET', '/ingest/relays', undefined, SERVICE_TOKEN)).json()) as { relays: { id: string }[] }).relays.map((r) => r.id);
    const off = await call(ctx, 'POST', `/relays/${created.id}/disable`);
    expect(off.status).toBe(200);
    expect(await off.json()).toMatchObject({ id: created.id, enabled: false, push: ['rtmp://10.0.0.5/live/***'] });
    expect(await ingestIds()).not.toContain(created.id);
    const listed = ((await (await call(ctx, 'GET', '/relays')).json()) as { relays: { id: string; enabled?: boolean }[] }).relays.find((r) => r.id === created.id);
    expect(listed).toMatchObject({ enabled: false });
    const on = await call(ctx, 'POST', `/relays/${created.id}/enable`);
    expect(on.status).toBe(200);
    expect(await on.json()).not.toHaveProperty('enabled');
    expect(await ingestIds()).toContain(created.id);
    expect((await call(ctx, 'POST', '/relays/r-0000000000/disable')).status).toBe(404);
    expect((await call(ctx, 'POST', `/relays/${created.id}/disable`, undefined, 'wrong-token')).status).toBe(401);
    expect((await call(ctx, 'DELETE', `/relays/${created.id}`)).status).toBe(204);
  });

  it.each([
    [{ stream: 'live/x', push: ['http://example.com/live/key'] }, 'push[0]', 'invalid_relay_url'],
    [{ stream: 'live/x', push: ['rtmp://example.com/onlyapp'] }, 'push[0]', 'invalid_relay_url'],
    [{ stream: 'live/x', push: ['rtmp://169.254.169.254/live/key'] }, 'push[0]', 'relay_address_refused'],
    [{ stream: 'live/x', pull: 'http://[fe80::1]/x.flv' }, 'pull', 'relay_address_refused'],
    [{ stream: 'live/x', pull: 'ftp://example.com/x' }, 'pull', 'invalid_relay_url'],
    [{ stream: 'live/x', push: ['srt://169.254.169.254:9000?streamid=x'] }, 'push[0]', 'relay_address_refused'],
    [{ stream: 'live/x', push: ['srt://203.0.113.9:9000?streamid=x&passphrase=short'] }, 'push[0]', 'invalid_relay_url'],
    [{ stream: 'live/x', pull: 'srt://203.0.113.9?streamid=x&latency=5' }, 'pull', 'invalid_relay_url'],
    [{ stream: 'live/x', pull: 'srt://203.0.113.9?mode=listener' }, 'pull', 'invalid_relay_url'],
    [{ stream: 'live/x', pull: 'rtsps://203.0.113.9/cam?transport=udp' }, 'pull', 'invalid_relay_url'],
    [{ stream: 'live/x', pull: 'rtsps://203.0.113.9/cam?fingerprint=abc' }, 'pull', 'invalid_relay_url'],
    [{ stream: 'live/x', push: ['rtsps://203.0.113.9/cam'] }, 'push[0]', 'invalid_relay_url'],
    [{ stream: 'live/*', pull: 'rtmp://example.com/live/x' }, 'stream', 'invalid_stream'],
    [{ stream: 'nostream', push: ['rtmp://example.com/live/k'] }, 'stream', 'invalid_stream'],
    [{ stream: 'live/x', push: ['rtmp://example.com/live/k'], pull: 'rtmp://example.com/live/x' }, 'push', 'push_or_pull'],
    [{ stream: 'live/x', push: ['rtmp://example.com/live/k'], extra: 1 }, 'extra', 'unknown_field'],
  ])('refuses %j with 400 naming %s (%s)', async (body, field, code) => {
    const res = await call(ctx, 'POST', '/relays', body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: code, field });
  });

  it('accepts an rtsps:// pull source, with a certificate fingerprint in either of its spellings', async () => {
    const colons = Array.from({ length: 32 }, () => 'AB').join(':');
    for (const pull of ['rtsps://203.0.113.9/cam', `rtsps://203.0.113.9:8322/cam?fingerprint=${colons}`, `rtsps://203.0.113.9/cam?fingerprint=${'0f'.repeat(32)}`]) {
      expect((await call(ctx, 'POST', '/relays', { stream: 'live/x', pull })).status, pull).toBe(201);
    }
  });

  it('refuses private and loopback address literals where private relays are not allowed (the AWS setting), accepts them locally', async () => {
    for (const url of ['rtmp://10.1.2.3/live/k', 'rtmp://127.0.0.1/live/k', 'rtmp://localhost/live/k']) {
      const res = await call(strict, 'POST', '/relays', { stream: 'live/x', push: [url] });
      expect(res.status, url).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'relay_address_refused', field: 'push[0]' });
      expect((await call(ctx, 'POST', '/relays', { stream: 'live/x', push: [url] })).status, url).toBe(201);
    }
  });

  it('lets an owner attach relays only to streams they may publish', async () => {
    expect((await call(ctx, 'POST', '/relays', { stream: 'live/alice-cam', owner: 'alice', push: ['rtmp://example.com/live/k'] })).status).toBe(201);
    for (const stream of ['live/bob-cam', 'live/*']) {
      const res = await call(ctx, 'POST', '/relays', { stream, owner: 'alice', push: ['rtmp://example.com/live/k'] });
      expect(res.status, stream).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'not_publishable', field: 'stream' });
    }
  });

  it('needs the admin token for /relays and the service token for /ingest/relays', async () => {
    expect((await call(ctx, 'GET', '/relays', undefined, SERVICE_TOKEN)).status).toBe(401);
    expect((await call(ctx, 'GET', '/ingest/relays', undefined, ADMIN_TOKEN)).status).toBe(401);
  });
});
