/**
 * A flood of SRT conclusions carrying key material must not eat the CPU: each one used to cost a
 * PBKDF2 (2048 rounds of HMAC-SHA1; 6.5 ms each on the loaded 2-core test machine), made before
 * anything else was checked, so 150 conclusions a second from one host kept a core busy. Now
 * derivations are cached per salt and bounded per source address and in all; a conclusion over
 * the budget is left unanswered (libsrt repeats it) and counted in /metrics.
 *
 * On the code before, this test fails: every one of the 200 conclusions ran PBKDF2 (there was no
 * budget and no counter), and /metrics had no SRT series.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeKeyMaterial, generateStreamKeys, wrapStreamKeys } from '#ingest/protocols/srt/srt-key-material.js';
import { SRT_HS_TYPE, SRT_REJECT } from '#ingest/protocols/srt/srt-handshake.js';
import { exited, playAndCount, publishTestPattern } from '../support/ffmpeg-runs.js';
import { startTestIngest, type TestIngest } from '../support/ingest-harness.js';
import { srtCallerHandshake } from '../support/srt-test-caller.js';
import { freeUdpPort } from '../support/udp.js';
import { waitFor } from '../support/wait.js';

const PASSPHRASE = 'correcthorsebattery';

/** Key material with a random salt and random "wrapped" keys: free to make, a PBKDF2 to check. */
function junkKeyMaterial(): Uint8Array {
  return encodeKeyMaterial({ keyFlags: 1, keki: 0, cipher: 2, auth: 0, se: 2, salt: randomBytes(16), keyLength: 16, wrapped: randomBytes(24) });
}

async function metricsText(t: TestIngest): Promise<string> {
  return (await fetch(`http://127.0.0.1:${t.ingest.ports.http}/metrics`)).text();
}

describe('SRT key derivations are bounded', () => {
  let t: TestIngest;
  beforeAll(async () => {
    t = await startTestIngest({ STREAMGATE_LOG_LEVEL: 'info', STREAMGATE_SRT_PORT: String(await freeUdpPort()), STREAMGATE_SRT_PASSPHRASE: PASSPHRASE });
  });
  afterAll(() => t?.close());

  it('200 conclusions with fresh junk key material from one host run at most the burst of PBKDF2s; the rest go unanswered and are counted', async () => {
    const srt = t.ingest.srt!;
    const started = Date.now();
    const answers = await Promise.allSettled(Array.from({ length: 200 }, () => srtCallerHandshake(t.ingest.ports.srt!, 'publish:live/flood', 1500, junkKeyMaterial())));
    const seconds = (Date.now() - started) / 1000;
    const stats = srt.keyDerivations.stats;
    // Burst 8, then 4 a second for this address.
    expect(stats.derived).toBeLessThanOrEqual(8 + Math.ceil(seconds * 4) + 1);
    expect(stats.throttled).toBeGreaterThan(150);
    const answered = answers.filter((a) => a.status === 'fulfilled').map((a) => (a as PromiseFulfilledResult<{ type: number }>).value.type);
    expect(answered.length).toBe(stats.derived);
    for (const type of answered) expect(type).toBe(1000 + SRT_REJECT.badSecret);
    const text = await metricsText(t);
    expect(text).toMatch(/^streamgate_srt_key_derivations_total\{result="throttled"\} (\d+)$/m);
    expect(Number(/^streamgate_srt_key_derivations_total\{result="throttled"\} (\d+)$/m.exec(text)![1])).toBe(stats.throttled);
  }, 20_000);

  it('a caller repeating its conclusion (same salt) costs one derivation, and good key material still opens a connection after the flood', async () => {
    await new Promise((r) => setTimeout(r, 2500)); // the address's bucket refills (4 a second)
    const srt = t.ingest.srt!;
    const km = encodeKeyMaterial(wrapStreamKeys(PASSPHRASE, generateStreamKeys(16), 16));
    const before = { ...srt.keyDerivations.stats };
    const first = await srtCallerHandshake(t.ingest.ports.srt!, 'publish:live/good', 3000, km);
    const again = await srtCallerHandshake(t.ingest.ports.srt!, 'publish:live/good2', 3000, km);
    expect(first.type).toBe(SRT_HS_TYPE.conclusion);
    expect(again.type).toBe(SRT_HS_TYPE.conclusion);
    expect(srt.keyDerivations.stats.derived - before.derived).toBe(1);
    expect(srt.keyDerivations.stats.cached - before.cached).toBeGreaterThanOrEqual(1);
  });
});

describe('SRT in /metrics', () => {
  let t: TestIngest;
  beforeAll(async () => {
    t = await startTestIngest({ STREAMGATE_LOG_LEVEL: 'info', STREAMGATE_SRT_PORT: String(await freeUdpPort()) });
  });
  afterAll(() => t?.close());

  it('shows peers by role, handshakes, bytes in and out and packet events of an ffmpeg publish and play', async () => {
    const base = `srt://127.0.0.1:${t.ingest.ports.srt}?streamid=`;
    const pub = publishTestPattern(`${base}publish:live/metered`, { seconds: 10, format: 'mpegts' });
    try {
      await waitFor(() => (t.ingest.hub.streamInfo('live/metered')?.framesIn ?? 0) > 30, 8000, 'the SRT publish');
      const play = playAndCount(`${base}read:live/metered`, { frames: 30, timeoutMs: 10_000 });
      await waitFor(async () => /^streamgate_srt_peers\{role="player"\} 1$/m.test(await metricsText(t)), 8000, 'the player in /metrics');
      const text = await metricsText(t);
      expect(text).toMatch(/^streamgate_srt_peers\{role="publisher"\} 1$/m);
      expect(text).toMatch(/^streamgate_srt_handshakes_total\{result="accepted"\} 2$/m);
      expect(Number(/^streamgate_srt_bytes_total\{direction="in"\} (\d+)$/m.exec(text)![1])).toBeGreaterThan(10_000);
      expect(Number(/^streamgate_srt_bytes_total\{direction="out"\} (\d+)$/m.exec(text)![1])).toBeGreaterThan(0);
      for (const event of ['retransmitted', 'recovered', 'lost', 'receive_dropped', 'send_dropped']) expect(text).toContain(`streamgate_srt_packets_total{event="${event}"}`);
      expect((await play).videoFrames).toBeGreaterThanOrEqual(30);
    } finally {
      pub.kill('SIGKILL');
      await exited(pub);
    }
    // Totals stay after the peers close.
    await waitFor(async () => /^streamgate_srt_peers\{role="publisher"\} 0$/m.test(await metricsText(t)), 8000, 'the publisher gone');
    expect(Number(/^streamgate_srt_bytes_total\{direction="in"\} (\d+)$/m.exec(await metricsText(t))![1])).toBeGreaterThan(10_000);
  }, 30_000);
});
