import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, publishTestPattern } from '../support/ffmpeg-runs.js';
import { PLAYER_CONNECT, startLocalStackForTest, waitFor, type LocalStackForTest } from '../support/local-stack-harness.js';
import { RtmpTestClient } from '../support/rtmp-test-client.js';

// Publish auth through the whole local stack: real functions (token, acl, users on the embedded store),
// the real ingest with publish auth on, real FFmpeg 5.1 encoders.

const ALICE = { name: 'alice12', password: 's3cret-pass', publish: ['cam1'] };
const CAROL = { name: 'carol99', password: 'carol-pass-9', publish: ['*'], enabled: false };

let s: LocalStackForTest;
const running = new Set<ChildProcess>();

beforeAll(async () => {
  s = await startLocalStackForTest({ users: [ALICE, CAROL] });
});
afterAll(async () => {
  for (const c of running) c.kill('SIGKILL');
  await s?.close();
});

type Outcome = { live: true; stderr: string } | { live: false; code: number | null; stderr: string };

/**
 * Runs an ffmpeg test-pattern publish to `url` until `path` is live on the hub (then stops it) or
 * ffmpeg gives up by itself.
 */
async function ffmpegPublish(url: string, path: string, extraOutputArgs: string[] = []): Promise<Outcome> {
  const child = publishTestPattern(url, { seconds: 20, extraOutputArgs });
  running.add(child);
  const stderr = () => (child as ChildProcess & { errorText: () => string }).errorText();
  let code: number | null | undefined;
  const done = exited(child).then((c) => (code = c));
  try {
    await waitFor(() => s.ingest.hub.isLive(path) || code !== undefined, 15_000, `${path} to go live or ffmpeg to exit`);
    if (code !== undefined) return { live: false, code, stderr: stderr() };
    return { live: true, stderr: stderr() };
  } finally {
    child.kill('SIGKILL');
    await done;
    running.delete(child);
    await waitFor(() => !s.ingest.hub.isLive(path), 5000, `${path} to end`);
  }
}

/** Scripted client: connect with `?user=&pass=` on the app, publish `name`; resolves with the first onStatus. */
async function scriptedPublish(app: string, name: string) {
  const c = new RtmpTestClient();
  const connected = await c.connect(s.rtmpUrl(app));
  expect(connected.name).toBe('_result');
  const status = await c.publish(name);
  return { c, status };
}

const authEvents = (pred: (e: Record<string, unknown>) => boolean) => s.logs.filter((l) => l.msg === 'auth' || l.event === 'auth').filter(pred);

describe('publish auth through the local stack with real ffmpeg', () => {
  it('accepts Wowza-style ?user=&pass= credentials in the RTMP URL', async () => {
    const r = await ffmpegPublish(s.rtmpUrl(`live?user=${ALICE.name}&pass=${ALICE.password}/cam1`), 'live/cam1');
    expect(r).toMatchObject({ live: true });
  });

  it('accepts ?user=&pass= credentials given with -rtmp_app and -rtmp_playpath', async () => {
    const r = await ffmpegPublish(s.rtmpUrl('live/cam1'), 'live/cam1', ['-rtmp_app', `live?user=${ALICE.name}&pass=${ALICE.password}`, '-rtmp_playpath', 'cam1']);
    expect(r).toMatchObject({ live: true });
  });

  it('accepts ffmpeg rtmp://user:pass@host through the Adobe challenge', async () => {
    const before = s.logs.length;
    const r = await ffmpegPublish(`rtmp://${ALICE.name}:${ALICE.password}@127.0.0.1:${s.ingest.ports.rtmp}/live/cam1`, 'live/cam1');
    expect(r).toMatchObject({ live: true });
    const steps = s.logs.slice(before).filter((l) => l.action === 'connect' && l.user === ALICE.name);
    expect(steps.map((l) => l.reason)).toEqual(['challenge', 'allowed']);
    expect(steps[1]).toMatchObject({ method: 'adobe', allowed: true });
  });

  it('accepts a mixed-case stream name for the allowed name', async () => {
    const r = await ffmpegPublish(`rtmp://${ALICE.name}:${ALICE.password}@127.0.0.1:${s.ingest.ports.rtmp}/live/CaM1`, 'live/CaM1');
    expect(r).toMatchObject({ live: true });
  });

  it('accepts the allowed name with a ?query suffix', async () => {
    const { c, status } = await scriptedPublish(`live?user=${ALICE.name}&pass=${ALICE.password}`, 'cam1?token=abc&x=1');
    expect(status.code).toBe('NetStream.Publish.Start');
    expect(s.ingest.hub.isLive('live/cam1')).toBe(true);
    await c.close();
    await waitFor(() => !s.ingest.hub.isLive('live/cam1'), 5000, 'unpublish');
  });

  it('refuses a wrong password through the Adobe challenge (authfailed), and nothing goes live', async () => {
    const r = await ffmpegPublish(`rtmp://${ALICE.name}:wrong-pass-1@127.0.0.1:${s.ingest.ports.rtmp}/live/cam1`, 'live/cam1');
    expect(r.live).toBe(false);
    expect(r.stderr).toContain('Incorrect username/password');
  });

  it('refuses a wrong password given as ?user=&pass= at connect, and nothing is published', async () => {
    const c = new RtmpTestClient();
    const connected = await c.connect(s.rtmpUrl(`live?user=${ALICE.name}&pass=not-her-pass`));
    expect(connected).toMatchObject({ name: '_error', code: 'NetConnection.Connect.Rejected' });
    expect(connected.args[0]).toMatchObject({ description: 'Authentication failed' });
    await c.closed;
    expect(c.received.some((m) => m.kind === 'command' && m.code === 'NetStream.Publish.Start')).toBe(false);
  });

  it('refuses an unknown user the same way as a wrong password (no user enumeration)', async () => {
    const r = await ffmpegPublish(`rtmp://nobody42:whatever-1@127.0.0.1:${s.ingest.ports.rtmp}/live/cam1`, 'live/cam1');
    expect(r.live).toBe(false);
    expect(r.stderr).toContain('Incorrect username/password');
    expect(authEvents((e) => e.user === 'nobody42' && e.action === 'connect' && e.allowed === false).at(-1)).toMatchObject({ reason: 'bad_credentials' });
  });

  it('refuses a disabled user even with the right password', async () => {
    const r = await ffmpegPublish(`rtmp://${CAROL.name}:${CAROL.password}@127.0.0.1:${s.ingest.ports.rtmp}/live/any`, 'live/any');
    expect(r.live).toBe(false);
    expect(r.stderr).toContain('Incorrect username/password');
    // Query credentials of a disabled user: /token gives no password, the connect is refused.
    const c = new RtmpTestClient();
    expect(await c.connect(s.rtmpUrl(`live?user=${CAROL.name}&pass=${CAROL.password}`))).toMatchObject({ name: '_error', code: 'NetConnection.Connect.Rejected' });
    await c.close();
  });

  it('denies a stream name outside the grants with the exact Wowza text, before any Publish.Start', async () => {
    const { c, status } = await scriptedPublish(`live?user=${ALICE.name}&pass=${ALICE.password}`, 'Other?x=1');
    expect(status.code).toBe('NetStream.Publish.Denied');
    expect(status.args[0]).toMatchObject({ level: 'error', description: 'Stream name not allowed for the logged in user: Other' });
    await c.closed;
    expect(c.received.some((m) => m.kind === 'command' && m.code === 'NetStream.Publish.Start')).toBe(false);
    // ffmpeg with Adobe credentials gets the same answer and gives up.
    const r = await ffmpegPublish(`rtmp://${ALICE.name}:${ALICE.password}@127.0.0.1:${s.ingest.ports.rtmp}/live/other`, 'live/other');
    expect(r.live).toBe(false);
    expect(r.stderr).toContain('Stream name not allowed for the logged in user: other');
  });

  it('logs an anonymous player as play_auth_off while publish auth is on (not auth_off)', async () => {
    const c = new RtmpTestClient();
    try {
      expect((await c.connect(s.rtmpUrl('live'), PLAYER_CONNECT)).name).toBe('_result');
      await c.play('nobody-here');
      await waitFor(() => authEvents((e) => e.action === 'play' && e.stream === 'nobody-here').length > 0, 5000, 'the play decision');
      expect(authEvents((e) => e.action === 'play' && e.stream === 'nobody-here')[0]).toMatchObject({ allowed: true, reason: 'play_auth_off' });
      expect(authEvents((e) => e.action === 'play' && e.reason === 'auth_off')).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it('logs each decision as a structured auth event with user, app, stream, action, ip, reason and latency', () => {
    const denied = authEvents((e) => e.action === 'publish' && e.reason === 'stream_not_allowed').at(-1);
    expect(denied).toMatchObject({ user: ALICE.name, app: 'live', stream: 'other', ip: '127.0.0.1', protocol: 'rtmp', allowed: false });
    expect(typeof denied!.latencyMs).toBe('number');
  });

  it('never writes a password, token or secret into any ingest or functions log line', () => {
    const text = s.allLogText();
    expect(text.length).toBeGreaterThan(1000);
    for (const secret of [ALICE.password, CAROL.password, 'not-her-pass', 'wrong-pass-1', 'whatever-1', s.functions.serviceToken, s.functions.adminToken, s.functions.teaSecret]) {
      expect(text).not.toContain(secret);
    }
    // No TEA clientid or publisherToken either (hex of 16+ digits).
    expect(text).not.toMatch(/"(clientid|publisherToken|pass|password|response)"/);
  });
});
