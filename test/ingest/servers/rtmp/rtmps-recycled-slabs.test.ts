import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { VideoFrame } from '#ingest/media/media-frame.js';
import { distinctFrameIndex, distinctVideoFrame, fixtureVideoConfig } from '#test/support/distinct-video-frames.js';
import { RtmpTestClient } from '#test/support/rtmp-test-client.js';
import { useTestIngest } from '#test/support/use-test-ingest.js';
import { sleep } from '#test/support/wait.js';

const FRAMES = 1500;
const SLAB_BYTES = 64 * 1024;
const fixture = (name: string): string => fileURLToPath(new URL(`../../../fixtures/tls/${name}`, import.meta.url));

/** Counts the 64 KiB buffers allocated while `run` runs: an RTMP publisher's new slabs (ByteSlab). */
async function slabsAllocatedDuring(run: () => Promise<void>): Promise<number> {
  const allocUnsafeSlow = Buffer.allocUnsafeSlow;
  let slabs = 0;
  Buffer.allocUnsafeSlow = (size: number) => {
    if (size === SLAB_BYTES) slabs++;
    return allocUnsafeSlow(size);
  };
  try {
    await run();
  } finally {
    Buffer.allocUnsafeSlow = allocUnsafeSlow;
  }
  return slabs;
}


/** Frames 1 to FRAMES-1 in bursts of 50 (400 KB) `pauseMs` apart, then time for the server to send them on. */
async function publish(publisher: RtmpTestClient, pauseMs: number): Promise<void> {
  for (let i = 1; i < FRAMES; i++) {
    publisher.sendFrame(distinctVideoFrame(i));
    if (i % 50 === 49) await sleep(pauseMs);
  }
  await sleep(300);
}

type Message = RtmpTestClient['received'][number];
const isLastFrame = (m: Message): boolean => m.kind === 'media' && m.frame?.kind === 'video' && distinctFrameIndex(m.frame.data) === FRAMES - 1;
const videoReceived = (player: RtmpTestClient): VideoFrame[] =>
  player.received.flatMap((m) => (m.kind === 'media' && m.frame?.kind === 'video' ? [m.frame] : []));

/** How many frames differ from the distinct frame they claim to be (bytes or timestamp). */
function wrongFrames(video: readonly VideoFrame[]): number {
  let wrong = 0;
  for (const f of video) {
    const sent = distinctVideoFrame(distinctFrameIndex(f.data));
    if (!Buffer.from(f.data).equals(Buffer.from(sent.data)) || f.dts !== sent.dts) wrong++;
  }
  return wrong;
}

describe('RTMPS player while the RTMP publisher reuses its slabs', () => {
  const t = useTestIngest({ STREAMGATE_TLS_CERT: fixture('localhost-cert.pem'), STREAMGATE_TLS_KEY: fixture('localhost-key.pem') });
  const rtmps = (): string => `rtmps://127.0.0.1:${t.ingest.ports.rtmps}/live`;

  it('a player that stopped reading gets every frame it is sent with the bytes the publisher sent', async () => {
    const publisher = new RtmpTestClient();
    const player = new RtmpTestClient();
    try {
      await publisher.connect(t.rtmpUrl('live'));
      expect((await publisher.publish('slow-tls')).code).toBe('NetStream.Publish.Start');
      publisher.sendFrame(fixtureVideoConfig());
      publisher.sendFrame(distinctVideoFrame(0));
      await player.connect(rtmps());
      await player.play('slow-tls');
      player.pauseReading();
      // 12 MB, many times what the kernel's socket buffers take: the player's TLS writes back up
      // while the publisher's GOPs come and go, their slabs reused for newer frames. (Which bytes
      // DirectSocketWriter copies on TLS is tested in test/ingest/servers/direct-socket-write.test.ts.)
      await publish(publisher, 5);
      player.resumeReading();
      await player.nextMessage(isLastFrame, 20_000).catch(() => undefined);
      const video = videoReceived(player);
      expect(video.length).toBeGreaterThan(FRAMES / 2);
      expect(wrongFrames(video)).toBe(0);
    } finally {
      await player.close();
      await publisher.close();
    }
  }, 30_000);

  it('a player that keeps up lets the publisher reuse its slabs (it pinned one per 64 KiB published before)', async () => {
    const publisher = new RtmpTestClient();
    const player = new RtmpTestClient();
    try {
      await publisher.connect(t.rtmpUrl('live'));
      expect((await publisher.publish('tls')).code).toBe('NetStream.Publish.Start');
      publisher.sendFrame(fixtureVideoConfig());
      publisher.sendFrame(distinctVideoFrame(0));
      await player.connect(rtmps());
      await player.play('tls');
      await sleep(100);
      // About 10 MB/s, well within what a TLS player on loopback takes.
      const slabs = await slabsAllocatedDuring(() => publish(publisher, 40));
      await player.nextMessage(isLastFrame, 20_000).catch(() => undefined);
      const video = videoReceived(player);
      expect(video.length).toBe(FRAMES);
      expect(wrongFrames(video)).toBe(0);
      // 12 MB published: about 180 slabs when every one is pinned.
      expect(slabs).toBeLessThan(10);
    } finally {
      await player.close();
      await publisher.close();
    }
  }, 30_000);
});
