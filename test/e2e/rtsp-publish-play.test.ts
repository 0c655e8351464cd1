import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, playAndCount, publishTestPattern } from '../support/ffmpeg-runs.js';
import { startTestIngest, type TestIngest } from '../support/ingest-harness.js';
import { waitFor } from '../support/local-stack-harness.js';

let t: TestIngest;
const rtsp = (path: string): string => `rtsp://127.0.0.1:${t.ingest.ports.rtsp}/${path}`;
const live = (path: string) => () => (t.ingest.hub.streamInfo(path)?.framesIn ?? 0) > 30;

beforeAll(async () => {
  t = await startTestIngest({ STREAMGATE_RTP_PORTS: '31000-31999' });
});
afterAll(async () => {
  await t?.close();
});

describe('RTSP publish and play with real ffmpeg', () => {
  it('an RTSP publish over TCP plays over RTSP TCP, RTSP UDP and RTMP', async () => {
    const pub = publishTestPattern(rtsp('live/tcp'), { seconds: 6, format: 'rtsp', extraOutputArgs: ['-rtsp_transport', 'tcp'] });
    try {
      await waitFor(live('live/tcp'), 5000, 'the RTSP publish');
      const [tcp, udp, rtmp] = await Promise.all([
        playAndCount(rtsp('live/tcp'), { frames: 25, timeoutMs: 5000, inputArgs: ['-rtsp_transport', 'tcp'] }),
        playAndCount(rtsp('live/tcp'), { frames: 25, timeoutMs: 5000, inputArgs: ['-rtsp_transport', 'udp'] }),
        playAndCount(t.rtmpUrl('live/tcp'), { frames: 25, timeoutMs: 5000 }),
      ]);
      expect(tcp.videoFrames, tcp.stderr).toBeGreaterThanOrEqual(25);
      expect(udp.videoFrames, udp.stderr).toBeGreaterThanOrEqual(25);
      expect(rtmp.videoFrames, rtmp.stderr).toBeGreaterThanOrEqual(25);
    } finally {
      pub.kill('SIGKILL');
      await exited(pub);
    }
  }, 20000);
});
