import { describe, expect, it } from 'vitest';
import { exited, expectAllPlay, playAndCount, type PublishOptions, publishTestPattern, whilePublishing } from '../support/ffmpeg-runs.js';
import { useTestIngest } from '../support/use-test-ingest.js';

const t = useTestIngest({ STREAMGATE_RTP_PORTS: '31000-31999' });
const rtsp = (path: string): string => `rtsp://127.0.0.1:${t.ingest.ports.rtsp}/${path}`;
const tcpIn = ['-rtsp_transport', 'tcp'];
const udpIn = ['-rtsp_transport', 'udp'];

function withPublisher(url: string, path: string, opts: PublishOptions, run: () => Promise<void>): Promise<void> {
  return whilePublishing(t, publishTestPattern(url, { seconds: 8, ...opts }), path, 6000, run);
}

describe('RTSP publish and play with real ffmpeg', () => {
  it('an RTSP publish over TCP plays over RTSP TCP, RTSP UDP and RTMP', async () => {
    await withPublisher(rtsp('live/tcp'), 'live/tcp', { format: 'rtsp', extraOutputArgs: tcpIn }, async () => {
      await expectAllPlay([{ url: rtsp('live/tcp'), inputArgs: tcpIn }, { url: rtsp('live/tcp'), inputArgs: udpIn }, { url: t.rtmpUrl('live/tcp') }], 25, 5000);
    });
  }, 20000);

  it('an RTSP publish over UDP plays over RTSP TCP, RTSP UDP and RTMP', async () => {
    await withPublisher(rtsp('live/udp'), 'live/udp', { format: 'rtsp', extraOutputArgs: udpIn }, async () => {
      await expectAllPlay([{ url: rtsp('live/udp'), inputArgs: tcpIn }, { url: rtsp('live/udp'), inputArgs: udpIn }, { url: t.rtmpUrl('live/udp') }], 25, 5000);
    });
    const info = t.logs.find((l) => l.event === 'rtsp.publish' && l.stream === 'udp');
    expect(info?.udp).toBe(true);
  }, 20000);

  it('an RTMP publish plays over RTSP with TCP and UDP transport', async () => {
    await withPublisher(t.rtmpUrl('live/fromrtmp'), 'live/fromrtmp', {}, async () => {
      await expectAllPlay([{ url: rtsp('live/fromrtmp'), inputArgs: tcpIn }, { url: rtsp('live/fromrtmp'), inputArgs: udpIn }], 25, 5000);
    });
  }, 20000);

  it("the seed's -metadata title=test rtsp://…/flvplayback publishes flvplayback/test, playable over RTSP and RTMP", async () => {
    await withPublisher(rtsp('flvplayback'), 'flvplayback/test', { format: 'rtsp', extraOutputArgs: ['-metadata', 'title=test', ...tcpIn] }, async () => {
      await expectAllPlay([{ url: rtsp('flvplayback/test'), inputArgs: tcpIn }, { url: t.rtmpUrl('flvplayback/test') }], 25, 5000);
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
