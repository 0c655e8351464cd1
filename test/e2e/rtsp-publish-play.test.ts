import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, playAndCount, publishTestPattern } from '../support/ffmpeg-runs.js';
import { startTestIngest, type TestIngest } from '../support/ingest-harness.js';
import { waitFor } from '../support/local-stack-harness.js';

let t: TestIngest;
const rtsp = (path: string): string => `rtsp://127.0.0.1:${t.ingest.ports.rtsp}/${path}`;
const live = (path: string) => () => (t.ingest.hub.streamInfo(path)?.framesIn ?? 0) > 30;
const tcpIn = ['-rtsp_transport', 'tcp'];
const udpIn = ['-rtsp_transport', 'udp'];

beforeAll(async () => {
  t = await startTestIngest({ STREAMGATE_RTP_PORTS: '31000-31999' });
});
afterAll(async () => {
  await t?.close();
});

async function withPublisher(url: string, path: string, opts: Parameters<typeof publishTestPattern>[1], run: () => Promise<void>): Promise<void> {
  const pub = publishTestPattern(url, { seconds: 8, ...opts });
  try {
    await waitFor(live(path), 6000, `the publish of ${path}`);
    await run();
  } finally {
    pub.kill('SIGKILL');
    await exited(pub);
  }
}

describe('RTSP publish and play with real ffmpeg', () => {
  it('an RTSP publish over TCP plays over RTSP TCP, RTSP UDP and RTMP', async () => {
    await withPublisher(rtsp('live/tcp'), 'live/tcp', { format: 'rtsp', extraOutputArgs: tcpIn }, async () => {
      const [tcp, udp, rtmp] = await Promise.all([
        playAndCount(rtsp('live/tcp'), { frames: 25, timeoutMs: 5000, inputArgs: tcpIn }),
        playAndCount(rtsp('live/tcp'), { frames: 25, timeoutMs: 5000, inputArgs: udpIn }),
        playAndCount(t.rtmpUrl('live/tcp'), { frames: 25, timeoutMs: 5000 }),
      ]);
      expect(tcp.videoFrames, tcp.stderr).toBeGreaterThanOrEqual(25);
      expect(udp.videoFrames, udp.stderr).toBeGreaterThanOrEqual(25);
      expect(rtmp.videoFrames, rtmp.stderr).toBeGreaterThanOrEqual(25);
    });
  }, 20000);

  it('an RTSP publish over UDP plays over RTSP TCP, RTSP UDP and RTMP', async () => {
    await withPublisher(rtsp('live/udp'), 'live/udp', { format: 'rtsp', extraOutputArgs: udpIn }, async () => {
      const [tcp, udp, rtmp] = await Promise.all([
        playAndCount(rtsp('live/udp'), { frames: 25, timeoutMs: 5000, inputArgs: tcpIn }),
        playAndCount(rtsp('live/udp'), { frames: 25, timeoutMs: 5000, inputArgs: udpIn }),
        playAndCount(t.rtmpUrl('live/udp'), { frames: 25, timeoutMs: 5000 }),
      ]);
      expect(tcp.videoFrames, tcp.stderr).toBeGreaterThanOrEqual(25);
      expect(udp.videoFrames, udp.stderr).toBeGreaterThanOrEqual(25);
      expect(rtmp.videoFrames, rtmp.stderr).toBeGreaterThanOrEqual(25);
    });
    const info = t.logs.find((l) => l.event === 'rtsp.publish' && l.stream === 'udp');
    expect(info?.udp).toBe(true);
  }, 20000);

  it('an RTMP publish plays over RTSP with TCP and UDP transport', async () => {
    await withPublisher(t.rtmpUrl('live/fromrtmp'), 'live/fromrtmp', {}, async () => {
      const [tcp, udp] = await Promise.all([
        playAndCount(rtsp('live/fromrtmp'), { frames: 25, timeoutMs: 5000, inputArgs: tcpIn }),
        playAndCount(rtsp('live/fromrtmp'), { frames: 25, timeoutMs: 5000, inputArgs: udpIn }),
      ]);
      expect(tcp.videoFrames, tcp.stderr).toBeGreaterThanOrEqual(25);
      expect(udp.videoFrames, udp.stderr).toBeGreaterThanOrEqual(25);
    });
  }, 20000);

  it("the seed's -metadata title=test rtsp://…/flvplayback publishes flvplayback/test, playable over RTSP and RTMP", async () => {
    await withPublisher(rtsp('flvplayback'), 'flvplayback/test', { format: 'rtsp', extraOutputArgs: ['-metadata', 'title=test', ...tcpIn] }, async () => {
      const [r, m] = await Promise.all([
        playAndCount(rtsp('flvplayback/test'), { frames: 25, timeoutMs: 5000, inputArgs: tcpIn }),
        playAndCount(t.rtmpUrl('flvplayback/test'), { frames: 25, timeoutMs: 5000 }),
      ]);
      expect(r.videoFrames, r.stderr).toBeGreaterThanOrEqual(25);
      expect(m.videoFrames, m.stderr).toBeGreaterThanOrEqual(25);
    });
  }, 20000);

  it('a second publisher of a live stream is refused with 453 and the first keeps publishing', async () => {
    await withPublisher(rtsp('live/busy'), 'live/busy', { format: 'rtsp', extraOutputArgs: tcpIn }, async () => {
      const second = publishTestPattern(rtsp('live/busy'), { seconds: 2, format: 'rtsp', extraOutputArgs: tcpIn });
      const code = await exited(second);
      expect(code).not.toBe(0);
      expect(t.logs.some((l) => l.event === 'rtsp.request-refused' && l.code === 'RTSP_STREAM_BUSY' && l.status === 453)).toBe(true);
      const r = await playAndCount(rtsp('live/busy'), { frames: 10, timeoutMs: 5000, inputArgs: tcpIn });
      expect(r.videoFrames, r.stderr).toBeGreaterThanOrEqual(10);
    });
  }, 20000);

  it('DESCRIBE of a stream nobody publishes answers 404', async () => {
    const r = await playAndCount(rtsp('live/nobody'), { frames: 1, timeoutMs: 5000, inputArgs: tcpIn });
    expect(r.videoFrames).toBe(0);
    expect(r.stderr).toMatch(/404/);
  });
});
