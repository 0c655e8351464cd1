import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { exited, playAndCount, publishTestPattern } from '../support/ffmpeg-runs.js';
import { startFunctionsGateway, startLocalStackForTest, waitFor, type FunctionsGateway, type LocalStackForTest } from '../support/local-stack-harness.js';
import { RtmpTestClient } from '../support/rtmp-test-client.js';

// The auth service down or hanging: publishing fails closed within STREAMGATE_AUTH_TIMEOUT_MS,
// and streams already live keep being served.

const TIMEOUT_MS = 800;
const ALICE = { name: 'alice12', password: 's3cret-pass', publish: ['cam1', 'cam2'] };
const query = `live?user=${ALICE.name}&pass=${ALICE.password}`;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function stack(ingestFunctionsUrl?: string): Promise<LocalStackForTest> {
  const s = await startLocalStackForTest({ env: { STREAMGATE_AUTH_TIMEOUT_MS: String(TIMEOUT_MS) }, ingestFunctionsUrl, users: [ALICE] });
  cleanups.push(() => s.close());
  return s;
}

async function liveCam1(s: LocalStackForTest): Promise<ChildProcess> {
  const child = publishTestPattern(s.rtmpUrl(`${query}/cam1`));
  cleanups.push(async () => {
    child.kill('SIGKILL');
    await exited(child);
  });
  await waitFor(() => s.ingest.hub.isLive('live/cam1'), 10_000, 'cam1 to go live');
  return child;
}

/**
 * A scripted query-credential publish of cam2; resolves with the refused connect's `_error` (the
 * password is checked at connect) or the publish's status, and how long that answer took.
 */
async function publishCam2(s: LocalStackForTest) {
  const c = new RtmpTestClient();
  cleanups.push(() => c.close());
  const connectStarted = Date.now();
  const connected = await c.connect(s.rtmpUrl(query));
  if (connected.name !== '_result') return { status: connected, ms: Date.now() - connectStarted, c };
  const streamId = await c.createStream();
  const started = Date.now();
  c.sendCommand('publish', 0, null, ['cam2', 'live'], streamId);
  const status = await c.nextCommand((m) => m.name === 'onStatus' && m.streamId === streamId, 10_000);
  return { status, ms: Date.now() - started, c };
}

describe('auth service failures fail closed', () => {
  it('denies a publish at once while the functions are stopped, and keeps serving the live stream', async () => {
    const s = await stack();
    await liveCam1(s);
    await s.stopFunctions();
    const { status, ms, c } = await publishCam2(s);
    // The password cannot be checked: the connect itself is refused.
    expect(status.code).toBe('NetConnection.Connect.Rejected');
    expect(status.args[0]).toMatchObject({ description: 'Authorization service unavailable' });
    expect(ms).toBeLessThan(TIMEOUT_MS + 500);
    await c.closed;
    expect(s.ingest.hub.isLive('live/cam2')).toBe(false);
    // Adobe logins need /token at connect: refused too, ffmpeg gives up.
    const adobe = publishTestPattern(`rtmp://${ALICE.name}:${ALICE.password}@127.0.0.1:${s.ingest.ports.rtmp}/live/cam2`, { seconds: 10 });
    expect(await exited(adobe)).not.toBe(0);
    const played = await playAndCount(s.rtmpUrl('live/cam1'), { frames: 25, timeoutMs: 10_000 });
    expect(played.videoFrames).toBe(25);
    expect(s.ingest.hub.isLive('live/cam1')).toBe(true);
    const warn = s.logs.find((l) => l.event === 'auth' && l.action === 'connect' && l.user === ALICE.name && l.allowed === false);
    expect(warn).toMatchObject({ level: 'warn', allowed: false, reason: 'service_unavailable', errorCode: 'auth_unreachable' });
  });

  it('denies a publish within the timeout while the functions hang, and keeps serving the live stream', async () => {
    let s: LocalStackForTest | undefined;
    const gw: FunctionsGateway = await startFunctionsGateway(() => s!.functions.url);
    cleanups.push(() => gw.close());
    s = await stack(gw.url);
    await liveCam1(s);
    gw.mode = 'hang';
    const { status, ms } = await publishCam2(s);
    expect(status.code).toBe('NetConnection.Connect.Rejected');
    expect(status.args[0]).toMatchObject({ description: 'Authorization service unavailable' });
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(TIMEOUT_MS + 700);
    const played = await playAndCount(s.rtmpUrl('live/cam1'), { frames: 25, timeoutMs: 10_000 });
    expect(played.videoFrames).toBe(25);
    expect(s.logs.find((l) => l.event === 'auth' && l.action === 'connect' && l.allowed === false)).toMatchObject({ level: 'warn', reason: 'timeout', errorCode: 'auth_timeout' });
    // The functions answer again: the same publish now goes through.
    gw.mode = 'pass';
    const again = await publishCam2(s);
    expect(again.status.code).toBe('NetStream.Publish.Start');
  });
});
