import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, playAndCount, publishTestPattern } from '../support/ffmpeg-runs.js';
import { PLAYER_CONNECT, startLocalStackForTest, waitFor, type LocalStackForTest } from '../support/local-stack-harness.js';
import { RtmpTestClient } from '../support/rtmp-test-client.js';

// The two auth switches: STREAMGATE_AUTH=off (anyone publishes) and
// STREAMGATE_PLAY_AUTH=required (players need credentials and a play grant).

describe('STREAMGATE_AUTH=off', () => {
  let s: LocalStackForTest;
  beforeAll(async () => {
    s = await startLocalStackForTest({ env: { STREAMGATE_AUTH: 'off' } });
  });
  afterAll(() => s?.close());

  it('lets ffmpeg publish without credentials, and players play it', async () => {
    const child = publishTestPattern(s.rtmpUrl('live/anyone'), { seconds: 20 });
    try {
      await waitFor(() => s.ingest.hub.isLive('live/anyone'), 10_000, 'an anonymous publish to go live');
      const played = await playAndCount(s.rtmpUrl('live/anyone'), { frames: 10, timeoutMs: 10_000 });
      expect(played.videoFrames).toBe(10);
    } finally {
      child.kill('SIGKILL');
      await exited(child);
    }
    expect(s.logs.find((l) => l.event === 'auth' && l.action === 'publish')).toMatchObject({ allowed: true, reason: 'auth_off' });
    expect(s.functionsLogs.filter((l) => l.route === 'token' || l.route === 'acl')).toEqual([]);
  });
});

describe('STREAMGATE_PLAY_AUTH=required', () => {
  const ALICE = { name: 'alice12', password: 's3cret-pass', publish: ['cam1'], play: [] };
  const VIEWER = { name: 'viewer1', password: 'v1ewer-pass', play: ['cam1'] };
  let s: LocalStackForTest;
  let stopPublisher: () => Promise<unknown>;
  beforeAll(async () => {
    s = await startLocalStackForTest({ env: { STREAMGATE_PLAY_AUTH: 'required' }, users: [ALICE, VIEWER] });
    const child = publishTestPattern(`rtmp://${ALICE.name}:${ALICE.password}@127.0.0.1:${s.ingest.ports.rtmp}/live/cam1`);
    stopPublisher = () => {
      child.kill('SIGKILL');
      return exited(child);
    };
    await waitFor(() => s.ingest.hub.isLive('live/cam1'), 10_000, 'cam1 live');
  });
  afterAll(async () => {
    await stopPublisher?.();
    await s?.close();
  });

  async function scriptedPlay(app: string) {
    const c = new RtmpTestClient();
    const connected = await c.connect(s.rtmpUrl(app), PLAYER_CONNECT);
    return { c, connected };
  }

  it('challenges a player without credentials at connect, and ffmpeg without credentials cannot play', async () => {
    const { c, connected } = await scriptedPlay('live');
    expect(connected).toMatchObject({ name: '_error', code: 'NetConnection.Connect.Rejected' });
    expect(connected.args[0]).toMatchObject({ description: '[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ' });
    await c.closed;
    const r = await playAndCount(s.rtmpUrl('live/cam1'), { frames: 5, timeoutMs: 10_000 });
    expect(r.videoFrames).toBe(0);
  });

  it('answers NetStream.Play.Failed to a logged-in user without a play grant, and refuses a wrong password at connect', async () => {
    const noGrant = await scriptedPlay(`live?user=${ALICE.name}&pass=${ALICE.password}`);
    expect(noGrant.connected.name).toBe('_result');
    const status = await noGrant.c.play('cam1');
    expect(status.code).toBe('NetStream.Play.Failed');
    expect(status.args[0]).toMatchObject({ description: 'Stream name not allowed for the logged in user: cam1' });
    await noGrant.c.closed;
    expect(noGrant.c.received.filter((m) => m.kind === 'media')).toEqual([]);

    // A wrong password is refused at connect already.
    const wrong = await scriptedPlay(`live?user=${VIEWER.name}&pass=not-the-pass`);
    expect(wrong.connected).toMatchObject({ name: '_error', code: 'NetConnection.Connect.Rejected' });
    expect(wrong.connected.args[0]).toMatchObject({ description: 'Authentication failed' });
    await wrong.c.closed;
  });

  it('plays with credentials: ffmpeg through the Adobe challenge and with ?user=&pass=', async () => {
    const adobe = await playAndCount(`rtmp://${VIEWER.name}:${VIEWER.password}@127.0.0.1:${s.ingest.ports.rtmp}/live/cam1`, { frames: 10, timeoutMs: 10_000 });
    expect(adobe.videoFrames).toBe(10);
    const q = await playAndCount(s.rtmpUrl(`live?user=${VIEWER.name}&pass=${VIEWER.password}/cam1`), { frames: 10, timeoutMs: 10_000 });
    expect(q.videoFrames).toBe(10);
    expect(s.logs.filter((l) => l.event === 'auth' && l.action === 'play' && l.allowed === true && l.user === VIEWER.name).length).toBeGreaterThanOrEqual(2);
  });

  it('never writes a password, token or secret into any log line', () => {
    const text = s.allLogText();
    for (const secret of [ALICE.password, VIEWER.password, 'not-the-pass', s.functions.serviceToken, s.functions.adminToken, s.functions.teaSecret]) {
      expect(text).not.toContain(secret);
    }
  });
});
