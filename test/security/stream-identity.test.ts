import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, playAndCount, publishTestPattern } from '../support/ffmpeg-runs.js';
import { startLocalStackForTest, waitFor, type LocalStackForTest } from '../support/local-stack-harness.js';

// One name per stream, through the whole local stack (functions with their store, the ingest with
// publish auth on and play auth required, real ffmpeg): a path is reached through one canonical
// split and one case, so a grant covers exactly the streams it names. Each test here failed on
// the code before canonicalStream (the split-and-case attacks below worked there).

const CAROL = { name: 'carol123', password: 'carol-Secret-42x', publish: ['live/carol-*'], play: ['live/carol-*'] };
// Mallory may only use a stream called `feed` (in any app).
const MALLORY = { name: 'mallory1', password: 'mallory-Secret-42x', publish: ['feed'], play: ['feed'] };
const DAVE = { name: 'dave1234', password: 'dave-Secret-42x', publish: ['live/*'], play: ['live/*'] };
const ERIN = { name: 'erin1234', password: 'erin-Secret-42x', publish: ['live/*'], play: [] };
const CAROL_PATH = 'live/carol-x/feed';

let s: LocalStackForTest;
let carol: ChildProcess | undefined;
const running = new Set<ChildProcess>();
const q = (u: { name: string; password: string }): string => `user=${u.name}&pass=${encodeURIComponent(u.password)}`;
/** `rtmp://user:pass@…/path`: ffmpeg answers the Adobe challenge, as OBS does. */
const rtmp = (u: { name: string; password: string }, path: string): string => s.rtmpUrl(path).replace('rtmp://', `rtmp://${u.name}:${u.password}@`);
const liveStreams = (): string[] => s.ingest.hub.list().filter((i) => i.live).map((i) => i.path);
const carolLive = (): boolean => liveStreams().includes(CAROL_PATH);

/**
 * Publishes a test pattern with ffmpeg until `live()` says so (it keeps running) or
 * ffmpeg gives up (refused). `args` are extra output options (`-rtmp_app`, `-rtmp_playpath`).
 */
async function publish(url: string, live: () => boolean, args: string[] = []): Promise<{ child: ChildProcess; live: boolean; code?: number | null }> {
  const child = publishTestPattern(url, { seconds: 30, gop: 25, extraOutputArgs: args });
  running.add(child);
  let code: number | null | undefined;
  void exited(child).then((c) => (code = c));
  await waitFor(() => live() || code !== undefined, 15_000, `${url.replace(/\?.*/, '')} live or ffmpeg gone`);
  return code === undefined ? { child, live: true } : { child, live: false, code };
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined) return;
  child.kill('SIGKILL');
  await exited(child);
  running.delete(child);
}

beforeAll(async () => {
  s = await startLocalStackForTest({
    users: [CAROL, MALLORY, DAVE, ERIN],
    env: { STREAMGATE_PLAY_AUTH: 'required' },
    authorizer: { failureDelayMs: 50 },
  });
}, 30_000);

afterAll(async () => {
  for (const c of running) c.kill('SIGKILL');
  await s?.close();
});

describe('the carol attack: a STREAM grant reaching into another user\'s APP/STREAM grant', () => {
  it('RTMP publish: app live/carol-x + stream feed is live/carol-x/feed, which `feed` does not cover', async () => {
    // ffmpeg splits rtmp://h/live/carol-x/feed into app `live/carol-x` and stream `feed`.
    const attempt = await publish(rtmp(MALLORY, CAROL_PATH), carolLive);
    await stop(attempt.child);
    expect(attempt.live).toBe(false);
    expect(attempt.code).not.toBe(0);
    expect(s.logs.some((l) => l.event === 'rtmp.publish-denied' && l.path === CAROL_PATH)).toBe(true);
    // Carol owns the path under the split ffmpeg makes too.
    const own = await publish(rtmp(CAROL, CAROL_PATH), carolLive);
    await stop(own.child);
    expect(own.live).toBe(true);
    await waitFor(() => !carolLive(), 5000, 'the publish to end');
  }, 60_000);

  describe('while Carol publishes with app `live` and stream `carol-x/feed`', () => {
    beforeAll(async () => {
      const own = await publish(rtmp(CAROL, ''), carolLive, ['-rtmp_app', 'live', '-rtmp_playpath', 'carol-x/feed']);
      expect(own.live).toBe(true);
      carol = own.child;
    }, 30_000);
    afterAll(() => stop(carol));

    it('RTMP play (play auth required): Mallory gets nothing of it, Carol plays it through ffmpeg\'s split', async () => {
      const stolen = await playAndCount(rtmp(MALLORY, CAROL_PATH), { frames: 10, timeoutMs: 8000 });
      expect(stolen.videoFrames).toBe(0);
      const own = await playAndCount(rtmp(CAROL, CAROL_PATH), { frames: 10, timeoutMs: 15_000 });
      expect(own.videoFrames).toBeGreaterThanOrEqual(10);
    }, 40_000);

    it('HTTP-FLV play (play auth required): Mallory gets 403, Carol gets her stream', async () => {
      const base = `http://127.0.0.1:${s.ingest.ports.http}`;
      const stolen = await fetch(`${base}/${CAROL_PATH}.flv?${q(MALLORY)}`);
      await stolen.body?.cancel();
      expect(stolen.status).toBe(403);
      const own = await playAndCount(`${base}/${CAROL_PATH}.flv?${q(CAROL)}`, { frames: 10, timeoutMs: 15_000 });
      expect(own.videoFrames).toBeGreaterThanOrEqual(10);
    }, 40_000);

    it('the functions ACL decided on the canonical identity too', () => {
      const acl = s.functionsLogs.filter((e) => e.route === 'acl' && e.user === MALLORY.name);
      expect(acl.length).toBeGreaterThan(0);
      for (const e of acl) expect(e).toMatchObject({ path: CAROL_PATH, decision: 'deny' });
    });
  });
});

describe('case: grants ignore it, and so do stream paths', () => {
  const CAM = 'live/cam1';
  let dave: ChildProcess | undefined;
  beforeAll(async () => {
    const own = await publish(rtmp(DAVE, CAM), () => liveStreams().includes(CAM));
    expect(own.live).toBe(true);
    dave = own.child;
  }, 30_000);
  afterAll(() => stop(dave));

  it('RTMP and HTTP-FLV players of LIVE/Cam1 and /Live/CAM1.flv get the live/cam1 stream', async () => {
    const viaRtmp = await playAndCount(rtmp(DAVE, 'LIVE/Cam1'), { frames: 10, timeoutMs: 10_000 });
    expect(viaRtmp.videoFrames).toBeGreaterThanOrEqual(10);
    const viaHttp = await playAndCount(`http://127.0.0.1:${s.ingest.ports.http}/Live/CAM1.flv?${q(DAVE)}`, { frames: 10, timeoutMs: 10_000 });
    expect(viaHttp.videoFrames).toBeGreaterThanOrEqual(10);
  }, 40_000);

  it('an RTSP player of rtsp://…/Live/CAM1 (Basic/Digest credentials) gets the live/cam1 stream', async () => {
    const url = `rtsp://${DAVE.name}:${DAVE.password}@127.0.0.1:${s.ingest.ports.rtsp}/Live/CAM1`;
    const viaRtsp = await playAndCount(url, { frames: 10, timeoutMs: 10_000, inputArgs: ['-rtsp_transport', 'tcp'] });
    expect(viaRtsp.videoFrames).toBeGreaterThanOrEqual(10);
  }, 30_000);

  it('a second publisher of another spelling is refused as already publishing, not a second stream', async () => {
    // Erin's `live/*` covers the path; on a case-sensitive hub Live/CAM1 would be a second stream.
    const other = await publish(rtmp(ERIN, 'Live/CAM1'), () => liveStreams().length > 1);
    await stop(other.child);
    expect(other.live).toBe(false);
    expect(liveStreams()).toEqual([CAM]);
    expect(s.logs.some((l) => l.event === 'rtmp.publish-busy' && l.path === CAM)).toBe(true);
  }, 40_000);
});
