import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { VideoFrame } from '#ingest/media/media-frame.js';
import { RtmpTestClient } from '#test/support/rtmp-test-client.js';
import { useTestIngest } from '#test/support/use-test-ingest.js';
import { sleep } from '#test/support/wait.js';

const FRAMES = 1500;
const FRAME_BYTES = 8000; // under a quarter of a 64 KiB slab: carved from the publisher's slabs
const GOP = 10;

/** Frame i: one NAL unit whose every byte after its header says i (mod 251), and i itself up front. */
function frameData(i: number): Buffer {
  const data = Buffer.alloc(FRAME_BYTES, i % 251);
  data.writeUInt32BE(FRAME_BYTES - 4, 0);
  data[4] = i % GOP === 0 ? 0x65 : 0x41;
  data.writeUInt32BE(i, 5);
  return data;
}

/** The AVC video tags (timestamp, NAL unit bytes) of a chunked HTTP-FLV response read so far; a cut-off tail is left out. */
function videoTags(response: Buffer): { timestamp: number; data: Buffer }[] {
  let pos = response.indexOf('\r\n\r\n') + 4;
  const body: Buffer[] = [];
  for (;;) {
    const lf = response.indexOf('\r\n', pos);
    if (lf === -1) break;
    const size = parseInt(response.subarray(pos, lf).toString('latin1'), 16);
    if (!(size > 0) || lf + 2 + size > response.length) break;
    body.push(response.subarray(lf + 2, lf + 2 + size));
    pos = lf + 2 + size + 2;
  }
  const flv = Buffer.concat(body);
  const tags: { timestamp: number; data: Buffer }[] = [];
  for (let p = flv.length > 0 ? flv.readUInt32BE(5) + 4 : 0; p + 11 <= flv.length; ) {
    const size = flv.readUIntBE(p + 1, 3);
    if (p + 11 + size + 4 > flv.length) break;
    const body = flv.subarray(p + 11, p + 11 + size);
    // AVC NALU packets (AVCPacketType 1): the sequence header is not one of the frames
    if (flv[p] === 9 && body[1] === 1) tags.push({ timestamp: (flv.readUIntBE(p + 4, 3) | (flv[p + 7]! << 24)) >>> 0, data: body.subarray(5) });
    p += 11 + size + 4;
  }
  return tags;
}

describe('HTTP-FLV reader while the publisher reuses its slabs', () => {
  const t = useTestIngest();

  it('a reader that stopped reading gets every frame it is sent with the bytes the publisher sent', async () => {
    const publisher = new RtmpTestClient();
    const received: Buffer[] = [];
    let reader: Socket | undefined;
    try {
      await publisher.connect(t.rtmpUrl('live'));
      expect((await publisher.publish('slow-flv')).code).toBe('NetStream.Publish.Start');
      publisher.sendFrame({ kind: 'video-config', codec: 'h264', record: Uint8Array.of(1, 0x64, 0, 0x1f, 0xff, 0xe0, 0, 0) });
      reader = connect(t.ingest.ports.http!, '127.0.0.1');
      await once(reader, 'connect');
      reader.on('data', (chunk: Buffer) => received.push(chunk));
      reader.write('GET /live/slow-flv.flv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      while (received.length === 0) await sleep(5);
      reader.pause();
      // Many times what the kernel's socket buffers take: the server has to queue the reader's
      // writes while the publisher's GOPs come and go (their slabs reused for newer frames).
      for (let i = 0; i < FRAMES; i++) {
        const frame: VideoFrame = { kind: 'video', codec: 'h264', dts: i * 33, pts: i * 33, keyframe: i % GOP === 0, data: frameData(i) };
        publisher.sendFrame(frame);
        if (i % 50 === 49) await sleep(5);
      }
      await sleep(300);
      reader.resume();
      const until = Date.now() + 20_000;
      let video = videoTags(Buffer.concat(received));
      while (video.at(-1)?.data.readUInt32BE(5) !== FRAMES - 1 && Date.now() < until) {
        await sleep(50);
        video = videoTags(Buffer.concat(received));
      }
      expect(video.length).toBeGreaterThan(FRAMES / 2);
      let wrong = 0;
      for (const tag of video) {
        const i = tag.data.readUInt32BE(5);
        if (!tag.data.equals(frameData(i)) || tag.timestamp !== i * 33) wrong++;
      }
      expect(wrong).toBe(0);
    } finally {
      reader?.destroy();
      await publisher.close();
    }
  }, 30_000);
});
