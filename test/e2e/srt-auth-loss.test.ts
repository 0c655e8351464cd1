import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SRT_HS_TYPE, SRT_REJECT } from '#ingest/protocols/srt/srt-handshake.js';
import { exited, publishTestPattern } from '../support/ffmpeg-runs.js';
import { ffmpegPath, ffprobePath } from '../support/ffmpeg.js';
import { startTestIngest, type TestIngest } from '../support/ingest-harness.js';
import { startLocalStackForTest, type LocalStackForTest } from '../support/local-stack-harness.js';
import { srtCallerHandshake } from '../support/srt-test-caller.js';
import { freeUdpPort, UdpLossProxy } from '../support/udp.js';
import { waitFor } from '../support/wait.js';

const ALICE = { name: 'alice12', password: 's3cret-pass', publish: ['cam1'], play: ['cam1'] };

describe('SRT auth: the stream id carries the same users and grants as every other protocol', () => {
  let s: LocalStackForTest;
  let port: number;
  beforeAll(async () => {
    port = await freeUdpPort();
    s = await startLocalStackForTest({ users: [ALICE], authorizer: { failureDelayMs: 0 }, env: { STREAMGATE_SRT_PORT: String(port) } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('accepts alice with her password in either stream id form and refuses wrong ones with 1401 and other streams with 1403', async () => {
    const type = async (id: string): Promise<number> => (await srtCallerHandshake(port, id)).type;
    expect(await type('publish:live/cam1:alice12:s3cret-pass')).toBe(SRT_HS_TYPE.conclusion);
    expect(await type('#!::r=live/cam1,m=publish,u=alice12,s=s3cret-pass')).toBe(SRT_HS_TYPE.conclusion);
    expect(await type('publish:live/cam1:alice12:wrong-pass')).toBe(1000 + SRT_REJECT.unauthorized);
    expect(await type('publish:live/cam1')).toBe(1000 + SRT_REJECT.unauthorized);
    expect(await type('publish:live/other:alice12:s3cret-pass')).toBe(1000 + SRT_REJECT.forbidden);
    const refusals = s.logs.filter((l) => l.event === 'srt.refused');
    expect(refusals.map((l) => l.reject)).toEqual([SRT_REJECT.unauthorized, SRT_REJECT.unauthorized, SRT_REJECT.forbidden]);
    expect(s.allLogText()).not.toContain('s3cret-pass');
    expect(s.allLogText()).not.toContain('wrong-pass');
  }, 20_000);

  it('an ffmpeg publish with a wrong password fails before any media is accepted', async () => {
    const pub = publishTestPattern(`srt://127.0.0.1:${port}?streamid=publish:live/cam1:alice12:nope`, { seconds: 2, format: 'mpegts' });
    const code = await exited(pub);
    expect(code).not.toBe(0);
    expect(s.ingest.hub.isLive('live/cam1')).toBe(false);
  }, 15_000);
});

/** ffprobe's video frame count and pts (ms) of a recorded file. */
function probeVideo(file: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    execFile(ffprobePath, ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file], (err, out) =>
      err ? reject(err) : resolve(out.trim().split('\n').filter(Boolean).map((l) => Math.round(Number(l) * 1000))),
    );
  });
}

describe('SRT loss recovery through a lossy UDP link (real ffmpeg/libsrt publisher)', () => {
  let t: TestIngest;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sg-srt-'));
    t = await startTestIngest({ STREAMGATE_LOG_LEVEL: 'info', STREAMGATE_SRT_PORT: String(await freeUdpPort()) });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // 30 s would be closer to a real session; 10 s (250 frames) keeps the suite fast and already sees ~40 losses.
  it('5% loss with reordering: a 10 s publish arrives with every frame at the default latency (ffprobe on an RTMP recording)', async () => {
    const proxy = new UdpLossProxy(t.ingest.ports.srt!, { loss: 0.05, reorder: 0.05, seed: 5 });
    const front = await proxy.start();
    const file = join(dir, 'rec.flv');
    // The recorder waits for the publisher (RTMP play before publish) and so gets it from its first frame.
    // Every video frame the hub gets, in order (what every player is served from).
    const hubDts: number[] = [];
    const sub = t.ingest.hub.subscribe('live/lossy', {
      id: 'test',
      protocol: 'test',
      onPublish: () => undefined,
      write: (frames) => {
        for (const f of frames) if (f.kind === 'video') hubDts.push(f.dts);
        return true;
      },
      onUnpublish: () => undefined,
      onEnd: () => undefined,
    });
    const rec = spawn(ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-i', t.rtmpUrl('live/lossy'), '-c', 'copy', '-f', 'flv', file], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 500));
      const pub = publishTestPattern(`srt://127.0.0.1:${front}?streamid=publish:live/lossy`, { seconds: 10, format: 'mpegts' });
      expect(await exited(pub)).toBe(0);
      await waitFor(() => t.logs.some((l) => l.event === 'connection.close' && l.stream === 'lossy'), 7000, 'the publisher close');
    } finally {
      await new Promise((r) => setTimeout(r, 500));
      rec.kill('SIGINT');
      await exited(rec);
      sub.close();
      proxy.close();
    }
    const close = t.logs.find((l) => l.event === 'connection.close' && l.stream === 'lossy')!;
    expect(close).toMatchObject({ dropped: 0, continuityErrors: 0, droppedFrames: 0 });
    expect(close.lost).toBeGreaterThan(10);
    expect(proxy.dropped.up).toBeGreaterThan(10);
    // No hole anywhere; only the very end may be short: a packet lost just before ffmpeg closes is not
    // retransmitted (libsrt's live mode closes with linger 0, and no later packet reveals the gap), so
    // under load the last frame is sometimes lost (seen 1 run in 5 on the CI machine).
    expect(hubDts.length).toBeGreaterThanOrEqual(249);
    expect(hubDts.length).toBeLessThanOrEqual(250);
    for (let i = 1; i < hubDts.length; i++) expect(hubDts[i]! - hubDts[i - 1]!).toBeCloseTo(40, 3);
    // The RTMP recording: no gap anywhere (ffmpeg's FLV writer may hold the very last frame back
    // when it is stopped, so the count may be one short).
    const pts = await probeVideo(file);
    expect(pts.length).toBeGreaterThanOrEqual(249);
    for (let i = 1; i < pts.length; i++) expect(pts[i]! - pts[i - 1]!).toBe(40);
  }, 40_000);

  it('20% loss: the publish degrades, the server holds no more than its bounds and stays responsive', async () => {
    const srt = t.ingest.srt!;
    const proxy = new UdpLossProxy(t.ingest.ports.srt!, { loss: 0.2, reorder: 0.1, seed: 9 });
    const front = await proxy.start();
    let maxHeld = 0;
    const sampler = setInterval(() => (maxHeld = Math.max(maxHeld, srt.bufferedBytes)), 10);
    const heapBefore = process.memoryUsage().heapUsed;
    try {
      const pub = publishTestPattern(`srt://127.0.0.1:${front}?streamid=publish:live/worse`, { seconds: 6, format: 'mpegts', size: '640x360' });
      await exited(pub);
      await waitFor(() => t.logs.some((l) => l.event === 'connection.close' && l.stream === 'worse'), 7000, 'the publisher close');
    } finally {
      clearInterval(sampler);
      proxy.close();
    }
    const close = t.logs.find((l) => l.event === 'connection.close' && l.stream === 'worse')!;
    // 20 % of a 6 s publish: the count varies run to run with timing (50 seen once); well above 5 %.
    expect(close.lost).toBeGreaterThan(25);
    expect(close.frames).toBeGreaterThan(0);
    // What one peer may hold is its window (8192 packets of ≤ 1456 bytes); at this rate far less.
    expect(maxHeld).toBeLessThan(8192 * 1456);
    expect(srt.bufferedBytes).toBe(0);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(100 * 1024 * 1024);
    expect((await srtCallerHandshake(t.ingest.ports.srt!, 'publish:live/after')).type).toBe(SRT_HS_TYPE.conclusion);
  }, 30_000);
});
