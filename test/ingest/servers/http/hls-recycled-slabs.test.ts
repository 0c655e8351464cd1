import { describe, expect, it } from 'vitest';
import type { VideoFrame } from '#ingest/media/media-frame.js';
import { TsDemuxer } from '#ingest/protocols/mpegts/ts-demuxer.js';
import { distinctVideoFrame, fixtureVideoConfig, wrongDistinctFrames } from '#test/support/distinct-video-frames.js';
import { RtmpTestClient } from '#test/support/rtmp-test-client.js';
import { useTestIngest } from '#test/support/use-test-ingest.js';
import { sleep } from '#test/support/wait.js';

const FRAMES = 1500;

describe('HLS output while the publisher reuses its slabs', () => {
  const t = useTestIngest();

  it('serves segments with the bytes the publisher sent long after their frames passed', async () => {
    const publisher = new RtmpTestClient();
    try {
      await publisher.connect(t.rtmpUrl('live'));
      expect((await publisher.publish('slow-hls')).code).toBe('NetStream.Publish.Start');
      publisher.sendFrame(fixtureVideoConfig());
      publisher.sendFrame(distinctVideoFrame(0));
      const base = `http://127.0.0.1:${t.ingest.ports.http}/live/slow-hls`;
      // The first request starts the output; it is answered once three segments are listed.
      const first = fetch(`${base}/index.m3u8`).then((r) => r.text());
      while ((t.ingest.hub.streamInfo('live/slow-hls')?.readersByProtocol.hls ?? 0) === 0) await sleep(5);
      // 50 s of media in bursts: the segments kept hold frames whose slabs the publisher has
      // reused many times over by the time they are served.
      for (let i = 1; i < FRAMES; i++) {
        publisher.sendFrame(distinctVideoFrame(i));
        if (i % 50 === 49) await sleep(5);
      }
      await first;
      await sleep(200);
      const playlist = await (await fetch(`${base}/index.m3u8`)).text();
      const names = playlist.split('\n').filter((l) => /^\d+\.ts$/.test(l));
      expect(names.length).toBeGreaterThanOrEqual(3);
      const received: VideoFrame[] = [];
      for (const name of names) {
        const d = new TsDemuxer();
        const bytes = new Uint8Array(await (await fetch(`${base}/${name}`)).arrayBuffer());
        for (const e of [...d.push(bytes), ...d.end()]) if (e.type === 'frame' && e.frame.kind === 'video') received.push(e.frame);
      }
      expect(received.length).toBeGreaterThan(100);
      expect(wrongDistinctFrames(received)).toBe(0);
    } finally {
      await publisher.close();
    }
  }, 30_000);
});
