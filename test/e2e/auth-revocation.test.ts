import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exited, publishTestPattern } from '../support/ffmpeg-runs.js';
import { startLocalStackForTest, waitFor, type LocalStackForTest } from '../support/local-stack-harness.js';
import { RtmpTestClient } from '../support/rtmp-test-client.js';

// Live sessions against a changing user table: revocation within the ACL TTL, and the
// same-user-reconnect / other-user rule for a stream that is already live.

const TTL_SECONDS = 1;
const ALICE = { name: 'alice12', password: 's3cret-pass', publish: ['cam1', 'cam2', 'cam3'] };
const BOB = { name: 'bob1234', password: 'b0b-password', publish: ['cam3'] };

let s: LocalStackForTest;
const children = new Set<ChildProcess>();
const clients = new Set<RtmpTestClient>();
beforeAll(async () => {
  s = await startLocalStackForTest({ aclTtlSeconds: TTL_SECONDS, users: [ALICE, BOB] });
});
afterEach(async () => {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
  for (const c of clients) await c.close();
  clients.clear();
});
afterAll(() => s?.close());

function ffmpegAdobe(user: { name: string; password: string }, stream: string): ChildProcess {
  const child = publishTestPattern(`rtmp://${user.name}:${user.password}@127.0.0.1:${s.ingest.ports.rtmp}/live/${stream}`, { seconds: 30 });
  children.add(child);
  return child;
}

async function scriptedPublish(user: { name: string; password: string }, stream: string) {
  const c = new RtmpTestClient();
  clients.add(c);
  expect((await c.connect(s.rtmpUrl(`live?user=${user.name}&pass=${user.password}`))).name).toBe('_result');
  return { c, status: await c.publish(stream) };
}

describe('revocation and reconnects of live publishers', () => {
  it('stops a live ffmpeg publish within the ACL TTL after its user is disabled', async () => {
    const child = ffmpegAdobe(ALICE, 'cam1');
    await waitFor(() => s.ingest.hub.isLive('live/cam1'), 10_000, 'cam1 live');
    expect((await s.usersApi('POST', `/users/${ALICE.name}/disable`)).status).toBe(200);
    const disabledAt = Date.now();
    await waitFor(() => !s.ingest.hub.isLive('live/cam1'), TTL_SECONDS * 1000 + 1500, 'the revoked publish to stop');
    const stoppedMs = Date.now() - disabledAt;
    expect(stoppedMs).toBeLessThan(TTL_SECONDS * 1000 + 1500);
    expect(await exited(child)).not.toBe(0);
    // The precise reason, not the bad_credentials a stranger's wrong password gets.
    expect(s.logs.find((l) => l.event === 'rtmp.publish-revoked')).toMatchObject({ app: 'live', stream: 'cam1', user: ALICE.name, reason: 'User disabled' });
    expect(s.logs.find((l) => l.event === 'auth' && l.action === 'publish' && l.allowed === false && l.user === ALICE.name)).toMatchObject({ reason: 'user_disabled' });
    // And the user cannot come back while disabled.
    const again = ffmpegAdobe(ALICE, 'cam1');
    expect(await exited(again)).not.toBe(0);
    expect(s.ingest.hub.isLive('live/cam1')).toBe(false);
    expect((await s.usersApi('POST', `/users/${ALICE.name}/enable`)).status).toBe(200);
  });

  it('stops a live publish within the ACL TTL after its stream grant is revoked', async () => {
    const { c, status } = await scriptedPublish(ALICE, 'cam2');
    expect(status.code).toBe('NetStream.Publish.Start');
    expect((await s.usersApi('POST', `/users/${ALICE.name}/grants/revoke`, { publish: ['cam2'] })).status).toBe(200);
    const denied = await c.nextCommand((m) => m.code === 'NetStream.Publish.Denied', TTL_SECONDS * 1000 + 1500);
    expect(denied.args[0]).toMatchObject({ description: 'Stream name not allowed for the logged in user: cam2' });
    await c.closed;
    expect(s.ingest.hub.isLive('live/cam2')).toBe(false);
  });

  it('lets the same user replace its stale session, and refuses another user with Publish.BadName', async () => {
    const stale = ffmpegAdobe(ALICE, 'cam3');
    await waitFor(() => s.ingest.hub.isLive('live/cam3'), 10_000, 'cam3 live');
    const { status } = await scriptedPublish(ALICE, 'cam3');
    expect(status.code).toBe('NetStream.Publish.Start');
    expect(await exited(stale)).not.toBe(0);
    expect(s.logs.some((l) => l.event === 'rtmp.publish-replaces' && l.stream === 'cam3')).toBe(true);
    expect(s.ingest.hub.isLive('live/cam3')).toBe(true);

    // Bob may publish cam3 too, but alice holds it.
    const bob = await scriptedPublish(BOB, 'cam3');
    expect(bob.status.code).toBe('NetStream.Publish.BadName');
    expect(bob.c.received.some((m) => m.kind === 'command' && m.code === 'NetStream.Publish.Start')).toBe(false);
    expect(s.ingest.hub.isLive('live/cam3')).toBe(true);
    const ffmpegBob = ffmpegAdobe(BOB, 'cam3');
    expect(await exited(ffmpegBob)).not.toBe(0);
    expect(s.ingest.hub.isLive('live/cam3')).toBe(true);
  });
});
