/**
 * A push target that needs Adobe RTMP auth (another streamgate with publish auth on, as Wowza and
 * crtmpserver do it): `rtmp://user:pass@host/app/key` logs in the way FFmpeg and OBS do (need
 * auth → challenge → response, each on a new connection) and publishes; an RTMP pull source with
 * play auth required logs in the same way.
 *
 * On the code before, the first test fails: the relay's RTMP client ignored the URL's userinfo,
 * so the target's "need auth; authmod=adobe" refusal ended every attempt (RELAY_REJECTED, retried
 * for ever with the same result).
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayStatus } from '#domain/relay-status.js';
import { probePackets, publishLive, stopProcess } from '../support/ffmpeg-runs.js';
import { startTestIngest, type TestIngest } from '../support/ingest-harness.js';
import { startLocalStackForTest, type LocalStackForTest } from '../support/local-stack-harness.js';
import { waitFor } from '../support/wait.js';

const ALICE = { name: 'alice12', password: 'push-s3cret-pass', publish: ['cam1'], play: ['*'] };
let target: LocalStackForTest;
let source: TestIngest;
let publisher: ChildProcess;

beforeAll(async () => {
  target = await startLocalStackForTest({ users: [ALICE] });
  source = await startTestIngest(
    { STREAMGATE_RELAY_ALLOW_PRIVATE: 'on', STREAMGATE_RELAY_TIMEOUT_MS: '5000', STREAMGATE_RELAY_RETRY_MAX_MS: '1000', STREAMGATE_LOG_LEVEL: 'info' },
    { relayRetryMinMs: 200 },
  );
  publisher = await publishLive(source.rtmpUrl('live/src'), source.ingest.hub, 'live/src', { seconds: 60, gop: 25 });
}, 40_000);

afterAll(async () => {
  await stopProcess(publisher);
  await source?.close();
  await target?.close();
});

function status(relay: string): RelayStatus | undefined {
  return source.ingest.relays.statuses().find((s) => s.relay === relay);
}

describe('push to a target that needs Adobe auth', () => {
  it('logs in with the URL\'s user and password and publishes; ffprobe decodes the far side; the password is in no log', async () => {
    const port = target.ingest.ports.rtmp;
    source.ingest.relays.setDefinitions([{ id: 'adobe', stream: 'live/src', push: [`rtmp://${ALICE.name}:${ALICE.password}@127.0.0.1:${port}/live/cam1`] }]);
    await waitFor(() => status('adobe')?.state === 'live', 15_000, 'the push live');
    expect(target.ingest.hub.streamInfo('live/cam1')?.publisher).toMatchObject({ protocol: 'rtmp', user: ALICE.name });
    // The target saw the three Adobe steps and allowed the last.
    const auth = target.logs.filter((l) => l.event === 'auth' && l.action === 'connect' && l.method === 'adobe');
    expect(auth.some((l) => l.allowed === true && l.user === ALICE.name)).toBe(true);
    const probe = await probePackets(`rtmp://127.0.0.1:${port}/live/cam1`, 2);
    expect(probe.codecs).toEqual(expect.arrayContaining(['h264', 'aac']));
    expect(JSON.stringify(source.logs)).not.toContain(ALICE.password);
    source.ingest.relays.setDefinitions([]);
    await waitFor(() => !target.ingest.hub.isLive('live/cam1'), 5000, 'the push to stop');
  }, 30_000);

  it('a wrong password ends each try as RELAY_AUTH_FAILED and never goes live on the target', async () => {
    const port = target.ingest.ports.rtmp;
    source.ingest.relays.setDefinitions([{ id: 'wrong', stream: 'live/src', push: [`rtmp://${ALICE.name}:not-the-password@127.0.0.1:${port}/live/cam1`] }]);
    await waitFor(() => status('wrong')?.lastError?.code === 'RELAY_AUTH_FAILED', 15_000, 'the refused login');
    expect(status('wrong')!.state).not.toBe('live');
    expect(target.ingest.hub.isLive('live/cam1')).toBe(false);
    expect(JSON.stringify(source.logs)).not.toContain('not-the-password');
    source.ingest.relays.setDefinitions([]);
  }, 30_000);
});

describe('pull from a source that needs Adobe auth to play', () => {
  let guarded: LocalStackForTest;
  let camera: ChildProcess;
  beforeAll(async () => {
    guarded = await startLocalStackForTest({ users: [ALICE], env: { STREAMGATE_PLAY_AUTH: 'required' } });
    camera = await publishLive(guarded.rtmpUrl(`live?user=${ALICE.name}&pass=${ALICE.password}/cam1`), guarded.ingest.hub, 'live/cam1', { seconds: 60, gop: 25 });
  }, 40_000);
  afterAll(async () => {
    await stopProcess(camera);
    await guarded?.close();
  });

  it('rtmp://user:pass@ plays after the Adobe login and the pulled stream carries media', async () => {
    const url = `rtmp://${ALICE.name}:${ALICE.password}@127.0.0.1:${guarded.ingest.ports.rtmp}/live/cam1`;
    source.ingest.relays.setDefinitions([{ id: 'pull-adobe', stream: 'live/pulled', pull: url, mode: 'always' }]);
    await waitFor(() => status('pull-adobe')?.state === 'live', 15_000, 'the pull live');
    await waitFor(() => (source.ingest.hub.streamInfo('live/pulled')?.framesIn ?? 0) > 30, 10_000, 'pulled frames');
    expect(guarded.logs.some((l) => l.event === 'auth' && l.action === 'connect' && l.method === 'adobe' && l.allowed === true)).toBe(true);
    expect(JSON.stringify(source.logs)).not.toContain(ALICE.password);
    source.ingest.relays.setDefinitions([]);
  }, 40_000);
});

