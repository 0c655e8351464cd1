import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '#domain/logger.js';
import { parseRelayUrl, PUSH_SCHEMES } from '#domain/relay-url.js';
import { srtEndpoint } from '#domain/srt-endpoint.js';
import type { MediaFrame, VideoFrame } from '#ingest/media/media-frame.js';
import { PushTarget } from '#ingest/relay/push-target.js';
import { rtmpEndpoint } from '#ingest/relay/rtmp-endpoint.js';
import { distinctVideoFrame, fixtureVideoConfig, sendDistinctFramesAndSettle, wrongDistinctFrames } from '#test/support/distinct-video-frames.js';
import { startTestIngest, type TestIngest } from '#test/support/ingest-harness.js';
import { RtmpTestClient } from '#test/support/rtmp-test-client.js';
import { freeUdpPort } from '#test/support/udp.js';
import { sleep } from '#test/support/wait.js';

const FRAMES = 1500;

let source: TestIngest;
let target: TestIngest;
beforeAll(async () => {
  source = await startTestIngest();
  target = await startTestIngest({ STREAMGATE_SRT_PORT: String(await freeUdpPort()) });
});
afterAll(async () => {
  await source?.close();
  await target?.close();
});

describe('relay push target while the publisher reuses its slabs', () => {
  for (const scheme of ['rtmp', 'srt'] as const) {
    it(`an ${scheme.toUpperCase()} target gets every frame it is sent with the bytes the publisher sent`, async () => {
      const name = `push-${scheme}`;
      const text = scheme === 'rtmp' ? `${target.rtmpUrl('live')}/${name}` : `srt://127.0.0.1:${target.config.srtPort}?streamid=publish:live/${name}&latency=2000`;
      const url = parseRelayUrl(text, 'url', PUSH_SCHEMES);
      const received: VideoFrame[] = [];
      const sub = target.ingest.hub.subscribe(`live/${name}`, {
        id: `reader-${name}`,
        protocol: 'test',
        onPublish: () => undefined,
        write: (frames: readonly MediaFrame[]) => {
          for (const f of frames) if (f.kind === 'video') received.push(f);
          return true;
        },
        onUnpublish: () => undefined,
        onEnd: () => undefined,
      });
      const publisher = new RtmpTestClient();
      const push = new PushTarget({
        id: `${name}@live/${name}`,
        relay: name,
        direction: 'push',
        stream: `live/${name}`,
        url: text,
        secrets: [],
        backoff: { minMs: 200, maxMs: 1000, resetAfterMs: 5000 },
        log: createLogger('warn', () => undefined),
        endpoint: scheme === 'rtmp' ? { kind: 'rtmp', rtmp: rtmpEndpoint(url)! } : { kind: 'srt', srt: srtEndpoint(url) },
        hub: source.ingest.hub,
        allowPrivate: true,
        timeoutMs: 3000,
      });
      try {
        await publisher.connect(source.rtmpUrl('live'));
        expect((await publisher.publish(name)).code).toBe('NetStream.Publish.Start');
        publisher.sendFrame(fixtureVideoConfig());
        publisher.sendFrame(distinctVideoFrame(0));
        push.start();
        const until = Date.now() + 5000;
        while (push.state !== 'live' && Date.now() < until) await sleep(10);
        expect(push.state).toBe('live');
        // 12 MB at about 8 MB/s while the publisher's GOPs come and go (their slabs reused).
        await sendDistinctFramesAndSettle((f) => publisher.sendFrame(f), FRAMES, () => received.length, 20_000);
        expect(received.length).toBeGreaterThan(FRAMES / 2);
        expect(wrongDistinctFrames(received)).toBe(0);
      } finally {
        push.stop();
        sub.close();
        await publisher.close();
      }
    }, 40_000);
  }
});
