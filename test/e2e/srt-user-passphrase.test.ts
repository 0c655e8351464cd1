import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SRT_HS_TYPE, SRT_REJECT } from '#ingest/protocols/srt/srt-handshake.js';
import { exited, playAndCount, publishTestPattern } from '../support/ffmpeg-runs.js';
import { startLocalStackForTest, type LocalStackForTest } from '../support/local-stack-harness.js';
import { srtCallerHandshake } from '../support/srt-test-caller.js';
import { freeUdpPort } from '../support/udp.js';
import { waitFor } from '../support/wait.js';

// Passwords of 10-79 characters: libsrt's passphrase bounds.
const ALICE = { name: 'alice12', password: 'alice-srt-pass-42', publish: ['cam1'], play: [] as string[] };
const BOB = { name: 'bob1234', password: 'bob-srt-pass-4242', play: ['cam1'] };

describe("SRT with the user's password as the passphrase: nothing secret in the stream id", () => {
  let s: LocalStackForTest;
  let port: number;
  beforeAll(async () => {
    port = await freeUdpPort();
    // A key refresh every 300 packets: the player's new keys are wrapped with bob's password.
    // Players authenticate (STREAMGATE_PLAY_AUTH=required): only then is a player's password looked up.
    s = await startLocalStackForTest({
      users: [ALICE, BOB],
      authorizer: { failureDelayMs: 0 },
      env: { STREAMGATE_SRT_PORT: String(port), STREAMGATE_LOG_LEVEL: 'info', STREAMGATE_PLAY_AUTH: 'required', STREAMGATE_SRT_KM_REFRESH_PACKETS: '300', STREAMGATE_SRT_KM_PREANNOUNCE_PACKETS: '50' },
    });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('ffmpeg publishes as alice and plays as bob, each naming only the user, across key switches; no password in any log', async () => {
    const base = `srt://127.0.0.1:${port}?streamid=`;
    const pub = publishTestPattern(`${base}publish:live/cam1:${ALICE.name}&passphrase=${encodeURIComponent(ALICE.password)}&pbkeylen=32`, { seconds: 12, format: 'mpegts' });
    try {
      await waitFor(() => (s.ingest.hub.streamInfo('live/cam1')?.framesIn ?? 0) > 30, 10_000, 'the publish');
      const play = await playAndCount(`${base}read:live/cam1:${BOB.name}&passphrase=${encodeURIComponent(BOB.password)}`, { frames: 120, timeoutMs: 15_000 });
      expect(play.videoFrames, play.stderr).toBeGreaterThanOrEqual(120);
      expect(play.stderr).not.toMatch(/decrypt|corrupt|error while decoding|Invalid data|non-existing PPS|decode_slice_header error/i);
    } finally {
      pub.kill('SIGKILL');
      await exited(pub);
    }
    await waitFor(() => s.logs.some((l) => l.event === 'connection.close' && l.protocol === 'srt' && l.role === 'player'), 5000, 'the SRT player closed');
    const closed = s.logs.find((l) => l.event === 'connection.close' && l.protocol === 'srt' && l.role === 'player')!;
    expect(closed.keySwitches, JSON.stringify(closed)).toBeGreaterThanOrEqual(1);
    expect(closed.undecryptable).toBe(0);
    const auth = s.logs.filter((l) => l.event === 'auth' && l.protocol === 'srt' && l.allowed === true);
    expect(auth.map((l) => [l.user, l.action, l.method])).toEqual(
      expect.arrayContaining([
        [ALICE.name, 'publish', 'srt-passphrase'],
        [BOB.name, 'play', 'srt-passphrase'],
      ]),
    );
    expect(s.logs.some((l) => l.event === 'srt.publish' && l.encrypted === true && l.user === ALICE.name)).toBe(true);
    expect(s.allLogText()).not.toContain(ALICE.password);
    expect(s.allLogText()).not.toContain(BOB.password);
  }, 40_000);

  it("refuses another user's password as the passphrase with 1401, a user-only stream id without encryption with 11, and keeps the stream free", async () => {
    await waitFor(() => !s.ingest.hub.isLive('live/cam1'), 10_000, 'the first publish to end');
    const wrong = publishTestPattern(`srt://127.0.0.1:${port}?streamid=publish:live/cam1:${ALICE.name}&passphrase=${encodeURIComponent(BOB.password)}`, { seconds: 2, format: 'mpegts' });
    expect(await exited(wrong)).not.toBe(0);
    expect(s.ingest.hub.isLive('live/cam1')).toBe(false);
    expect(s.logs.some((l) => l.event === 'srt.refused' && l.code === 'SRT_AUTH_DENIED' && l.reason === 'bad_credentials' && l.reject === SRT_REJECT.unauthorized)).toBe(true);
    // Our own caller: a user without a password and no key material.
    expect((await srtCallerHandshake(port, `publish:live/cam1:${ALICE.name}`)).type).toBe(1000 + SRT_REJECT.unsecure);
    expect(s.logs.some((l) => l.event === 'srt.refused' && l.code === 'SRT_PASSPHRASE_NEEDED')).toBe(true);
    // The password in the stream id still works as before.
    expect((await srtCallerHandshake(port, `publish:live/cam1:${ALICE.name}:${ALICE.password}`)).type).toBe(SRT_HS_TYPE.conclusion);
  }, 30_000);
});
