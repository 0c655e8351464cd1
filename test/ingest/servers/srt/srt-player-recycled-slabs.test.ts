import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VideoFrame } from '#ingest/media/media-frame.js';
import { SrtClient } from '#ingest/relay/srt-client.js';
import { distinctVideoFrame, fixtureVideoConfig, sendDistinctFramesAndSettle, wrongDistinctFrames } from '#test/support/distinct-video-frames.js';
import { RtmpTestClient } from '#test/support/rtmp-test-client.js';
import { startTestIngest, type TestIngest } from '#test/support/ingest-harness.js';
import { freeUdpPort } from '#test/support/udp.js';
import { sleep } from '#test/support/wait.js';

const FRAMES = 1500;

let t: TestIngest;
beforeAll(async () => {
  t = await startTestIngest({ STREAMGATE_SRT_PORT: String(await freeUdpPort()) });
});
afterAll(async () => {
  await t?.close();
});

describe('SRT player while the publisher reuses its slabs', () => {
  it('gets every frame it is sent with the bytes the publisher sent', async () => {
    const publisher = new RtmpTestClient();
    const received: VideoFrame[] = [];
    let player: SrtClient | undefined;
    try {
      await publisher.connect(t.rtmpUrl('live'));
      expect((await publisher.publish('slow-srt')).code).toBe('NetStream.Publish.Start');
      publisher.sendFrame(fixtureVideoConfig());
      publisher.sendFrame(distinctVideoFrame(0));
      let started = false;
      player = new SrtClient({
        endpoint: { host: '127.0.0.1', port: t.config.srtPort, streamId: 'read:live/slow-srt', keyLength: 16, latencyMs: 2000 },
        mode: 'read',
        allowPrivate: true,
        timeoutMs: 5000,
        onStart: () => (started = true),
        onFrame: (f) => {
          if (f.kind === 'video') received.push(f);
        },
        onClose: () => undefined,
      });
      player.start();
      while (!started) await sleep(5);
      // 12 MB in bursts of 80 KB at about 8 MB/s (under the player's pacing, so loopback loses
      // little and the 2 s latency lets every loss be resent): the player's send queue holds its
      // TS while the publisher's GOPs come and go (their slabs reused for newer frames).
      await sendDistinctFramesAndSettle((f) => publisher.sendFrame(f), FRAMES, () => received.length, 20_000);
      expect(received.length).toBeGreaterThan(FRAMES / 2);
      expect(wrongDistinctFrames(received)).toBe(0);
    } finally {
      player?.close();
      await publisher.close();
    }
  }, 30_000);
});
