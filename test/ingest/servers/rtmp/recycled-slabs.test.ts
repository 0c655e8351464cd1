import { describe, expect, it } from 'vitest';
import type { VideoFrame } from '#ingest/media/media-frame.js';
import { RtmpTestClient } from '#test/support/rtmp-test-client.js';
import { useTestIngest } from '#test/support/use-test-ingest.js';
import { sleep } from '#test/support/wait.js';

const FRAMES = 1500;
const FRAME_BYTES = 8000; // under a quarter of a 64 KiB slab: carved from the publisher's slabs
const GOP = 10;

const indexOf = (data: Uint8Array): number => Buffer.from(data.buffer, data.byteOffset, data.byteLength).readUInt32BE(5);

/** Frame i: one NAL unit whose every byte after its header says i (mod 251), and i itself up front. */
function frameData(i: number): Uint8Array {
  const data = Buffer.alloc(FRAME_BYTES, i % 251);
  data.writeUInt32BE(FRAME_BYTES - 4, 0);
  data[4] = i % GOP === 0 ? 0x65 : 0x41;
  data.writeUInt32BE(i, 5);
  return data;
}

describe('RTMP publisher slabs reused while a slow player still has frames queued', () => {
  const t = useTestIngest();

  it('a player that stopped reading gets every frame it is sent with the bytes the publisher sent', async () => {
    const publisher = new RtmpTestClient();
    const player = new RtmpTestClient();
    try {
      await publisher.connect(t.rtmpUrl('live'));
      expect((await publisher.publish('slow')).code).toBe('NetStream.Publish.Start');
      publisher.sendFrame({ kind: 'video-config', codec: 'h264', record: Uint8Array.of(1, 0x64, 0, 0x1f, 0xff, 0xe0, 0, 0) });
      await player.connect(t.rtmpUrl('live'));
      await player.play('slow');
      player.pauseReading();
      // Many times what the kernel's socket buffers take: the server has to queue the player's
      // writes while the publisher's GOPs come and go (their slabs reused for newer frames).
      for (let i = 0; i < FRAMES; i++) {
        const frame: VideoFrame = { kind: 'video', codec: 'h264', dts: i * 33, pts: i * 33, keyframe: i % GOP === 0, data: frameData(i) };
        publisher.sendFrame(frame);
        if (i % 50 === 49) await sleep(5);
      }
      await sleep(300);
      player.resumeReading();
      await player.nextMessage((m) => m.kind === 'media' && m.frame?.kind === 'video' && indexOf(m.frame.data) === FRAMES - 1, 20_000).catch(() => undefined);
      const video = player.received.flatMap((m) => (m.kind === 'media' && m.frame?.kind === 'video' ? [m.frame] : []));
      expect(video.length).toBeGreaterThan(FRAMES / 2);
      let wrong = 0;
      for (const f of video) {
        const i = indexOf(f.data);
        if (!Buffer.from(f.data).equals(Buffer.from(frameData(i))) || f.dts !== i * 33) wrong++;
      }
      expect(wrong).toBe(0);
    } finally {
      await player.close();
      await publisher.close();
    }
  }, 30_000);
});
