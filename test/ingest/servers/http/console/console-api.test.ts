import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegPath } from '#test/support/ffmpeg.js';
import { exited, publishTestPattern } from '#test/support/ffmpeg-runs.js';
import { startTestIngest } from '#test/support/ingest-harness.js';
import { startLocalStackForTest, waitFor, type LocalStackForTest } from '#test/support/local-stack-harness.js';

const CAROL = { name: 'carol', password: 'carol-pass-123', publish: ['live/*'], play: ['*'] };

describe('the web console API on the HTTP listener', () => {
  let s: LocalStackForTest;
  let base: string;
  const children = new Set<ChildProcess>();
  const api = async (method: string, path: string, opts: { token?: string; body?: unknown } = {}) => {
    const token = opts.token ?? s.functions.adminToken;
    const res = await fetch(`${base}/console/api/${path}`, {
      method,
      headers: { ...(token !== '' ? { authorization: `Bearer ${token}` } : {}), ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, body: text === '' ? undefined : (JSON.parse(text) as Record<string, any>) };
  };

  beforeAll(async () => {
    s = await startLocalStackForTest({ users: [CAROL], ingestDeps: { consoleHistory: { intervalMs: 250 } } });
    base = `http://127.0.0.1:${s.ingest.ports.http}`;
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await s?.close();
  });

  it('answers 401 without the admin token or with a wrong one, and shows nothing', async () => {
    for (const token of ['', 'wrong-token']) {
      const r = await api('GET', 'snapshot', { token });
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: 'unauthorized', message: 'a valid admin token is required' });
      // No browser login dialog over the console's own form.
      expect(r.headers.get('www-authenticate')).toBeNull();
    }
    // Unknown calls are not told apart from known ones before the token matched.
    expect((await api('GET', 'no-such-call', { token: 'wrong-token' })).status).toBe(401);
    // Users calls never reach the functions with a wrong token.
    expect((await api('GET', 'users', { token: 'wrong-token' })).status).toBe(401);
    expect(s.functionsLogs.filter((l) => l.route === 'users' && l.status === 401)).toEqual([]);
  });

  it('lists a live ffmpeg stream with its publisher, codecs, rates and history, and kicks it', async () => {
    const child = publishTestPattern(`rtmp://${CAROL.name}:${CAROL.password}@127.0.0.1:${s.ingest.ports.rtmp}/live/cam1`, { size: '320x240' });
    children.add(child);
    await waitFor(() => s.ingest.hub.isLive('live/cam1'), 15_000, 'the publish');
    let stream: Record<string, any> | undefined;
    await waitFor(async () => {
      stream = ((await api('GET', 'snapshot')).body!.streams as Record<string, any>[]).find((x) => x.path === 'live/cam1');
      return stream !== undefined && stream.inBps > 0 && stream.video?.width !== undefined;
    }, 10_000, 'the stream with a bitrate in the snapshot');
    expect(stream).toMatchObject({
      path: 'live/cam1',
      publisher: { protocol: 'rtmp', remoteAddress: expect.stringContaining('127.0.0.1'), user: 'carol' },
      video: { codec: 'h264', width: 320, height: 240 },
      audio: { codec: 'aac' },
      readers: 0,
    });
    const history = await api('GET', 'history?stream=LIVE/Cam1');
    expect(history.body).toMatchObject({ stream: 'live/cam1', intervalMs: 250 });
    expect((history.body!.samples as { inBps: number }[]).some((x) => x.inBps > 0)).toBe(true);

    const snap = (await api('GET', 'snapshot')).body!;
    expect(snap.server).toMatchObject({ version: expect.stringMatching(/^streamgate\//), publishAuth: 'on', ports: { http: s.ingest.ports.http, rtmp: s.ingest.ports.rtmp } });
    expect(snap.server.connectionsByProtocol.rtmp).toBeGreaterThanOrEqual(1);
    expect(snap.server.authTotal.allowed).toBeGreaterThanOrEqual(1);
    // Traffic of open connections counts, not only of closed ones.
    await waitFor(async () => (await api('GET', 'snapshot')).body!.server.inBps > 0, 5000, 'server traffic in');

    // A player of the stream, then "drop readers": its connection closes, the publisher stays.
    const player = spawn(ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-i', `http://127.0.0.1:${s.ingest.ports.http}/live/cam1.flv`, '-f', 'null', '-'], { stdio: 'ignore' });
    children.add(player);
    await waitFor(() => s.ingest.hub.readerCount('live/cam1') === 1, 10_000, 'the player');
    const dropped = await api('POST', 'streams/drop-readers', { body: { stream: 'live/cam1' } });
    expect(dropped.body!.dropped).toHaveLength(1);
    await exited(player);
    await waitFor(() => s.ingest.hub.readerCount('live/cam1') === 0, 5000, 'no readers');
    expect(s.ingest.hub.isLive('live/cam1')).toBe(true);

    const kicked = await api('POST', 'streams/kick', { body: { stream: 'live/cam1' } });
    expect(kicked.status).toBe(200);
    await exited(child);
    await waitFor(() => !s.ingest.hub.isLive('live/cam1'), 5000, 'the stream to end');
    expect((await api('POST', 'streams/kick', { body: { stream: 'live/cam1' } })).body).toMatchObject({ error: 'stream_not_live' });
    expect((await api('POST', 'streams/kick', { body: { stream: 'live' } })).status).toBe(400);
  });

  it('passes users calls to the users API with the same answers, and never returns a password or token', async () => {
    const bad = { name: 'dave', password: 'dave', grants: { publish: ['live/dave'], play: [] } };
    const viaConsole = await api('POST', 'users', { body: bad });
    const direct = await s.usersApi('POST', '/users', bad);
    expect(viaConsole.status).toBe(400);
    expect(viaConsole.body).toEqual(direct.body);

    const created = await api('POST', 'users', { body: { ...bad, password: 'dave-secret-77' } });
    expect(created.status).toBe(201);
    const revoked = await api('POST', 'users/dave/grants/revoke', { body: { publish: ['live/dave'] } });
    expect(revoked.body).toMatchObject({ name: 'dave', grants: { publish: [] } });
    expect((await api('DELETE', 'users/dave')).status).toBe(204);
    const list = await api('GET', 'users?limit=100');
    expect(list.body!.users.map((u: { name: string }) => u.name)).toEqual(['carol']);
    const all = [created.text, list.text, (await api('GET', 'snapshot')).text, (await api('GET', 'connections')).text].join('\n');
    expect(all).not.toContain('dave-secret-77');
    expect(all).not.toContain(CAROL.password);
    expect(all).not.toContain(s.functions.adminToken);
    expect(s.allLogText()).not.toContain('dave-secret-77');
  });

  it('serves the relays API through the same origin', async () => {
    const added = await api('POST', 'relays', { body: { stream: 'live/cam9', push: ['rtmp://127.0.0.1:1/live/secret-key'] } });
    expect(added.status).toBe(201);
    const list = await api('GET', 'relays');
    expect(list.text).not.toContain('secret-key');
    expect((await api('DELETE', `relays/${added.body!.id as string}`)).status).toBe(204);
  });

  it('throttles a source after ten wrong tokens, even when it then sends the right one', async () => {
    for (let i = 0; i < 10; i++) await api('GET', 'snapshot', { token: `wrong-${i}` });
    const r = await api('GET', 'snapshot');
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('60');
  });
});

describe('the web console API without an admin token', () => {
  it('answers 503 console_disabled', async () => {
    const t = await startTestIngest();
    try {
      const res = await fetch(`http://127.0.0.1:${t.ingest.ports.http}/console/api/snapshot`, { headers: { authorization: 'Bearer x' } });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: 'console_disabled' });
    } finally {
      await t.close();
    }
  });
});
