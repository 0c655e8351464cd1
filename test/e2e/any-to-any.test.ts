import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ffmpegPath, ffprobePath } from '../support/ffmpeg.js';
import { expectAllPlay, publishTestPattern, whilePublishing } from '../support/ffmpeg-runs.js';
import { useTestIngest } from '../support/use-test-ingest.js';
import { waitFor } from '../support/local-stack-harness.js';
import { RtmpTestClient } from '../support/rtmp-test-client.js';

const hasLibx265 = /\blibx265\b/.test(execFileSync(ffmpegPath, ['-hide_banner', '-encoders'], { encoding: 'utf8' }));
if (!hasLibx265) console.warn('any-to-any: SKIPPED the H.265 cases: this ffmpeg has no libx265 encoder');

const t = useTestIngest({ STREAMGATE_LOG_LEVEL: 'info', STREAMGATE_RTP_PORTS: '33100-33199' });
const rtsp = (path: string) => `rtsp://127.0.0.1:${t.ingest.ports.rtsp}/${path}`;
const http = (path: string) => `http://127.0.0.1:${t.ingest.ports.http}/${path}`;
const tcpIn = ['-rtsp_transport', 'tcp'];
const udpIn = ['-rtsp_transport', 'udp'];

/** Runs `publisher` until `path` has 30 frames in the hub, then `run`; the publisher is killed after. */
const whilePublishingHere = (publisher: ChildProcess, path: string, run: () => Promise<void>): Promise<void> => whilePublishing(t, publisher, path, 8000, run);

/** ffprobe's streams of `url` (codec name, size, sample rate). */
function probeStreams(url: string, inputArgs: readonly string[] = []): Promise<{ codec_type: string; codec_name: string; width?: number; height?: number }[]> {
  const args = ['-v', 'error', ...inputArgs, '-show_entries', 'stream=codec_type,codec_name,width,height', '-of', 'json', url];
  return new Promise((resolve, reject) =>
    execFile(ffprobePath, args, { timeout: 15_000 }, (err, stdout, stderr) => (err ? reject(new Error(stderr, { cause: err })) : resolve(JSON.parse(stdout).streams))),
  );
}

describe('any-to-any: raw TCP inputs play over RTSP, HLS and HTTP-FLV (real ffmpeg)', () => {
  it('an FLV-TCP publish plays over RTSP with TCP and UDP transport', async () => {
    const pub = publishTestPattern(`tcp://127.0.0.1:${t.ingest.ports.flv}/live`, { seconds: 10, extraOutputArgs: ['-metadata', 'streamName=fromflv'] });
    await whilePublishingHere(pub, 'live/fromflv', async () => {
      await expectAllPlay([{ url: rtsp('live/fromflv'), inputArgs: tcpIn }, { url: rtsp('live/fromflv'), inputArgs: udpIn }], 25, 6000);
    });
  }, 20_000);

  it('a TS-TCP publish plays over RTSP, HLS and HTTP-FLV', async () => {
    const pub = publishTestPattern(`tcp://127.0.0.1:${t.ingest.ports.ts}`, { seconds: 12, format: 'mpegts', extraOutputArgs: ['-metadata', 'service_name=fromts'] });
    await whilePublishingHere(pub, 'live/fromts', async () => {
      await expectAllPlay([{ url: rtsp('live/fromts'), inputArgs: tcpIn }, { url: http('live/fromts/index.m3u8'), timeoutMs: 10_000 }, { url: http('live/fromts.flv') }], 25, 6000);
    });
  }, 25_000);
});

describe.skipIf(!hasLibx265)('any-to-any: H.265 over MPEG-TS-TCP', () => {
  const h265 = ['-c:v', 'libx265', '-x265-params', 'log-level=error', '-metadata', 'service_name=hevc'];

  it('plays over RTSP as HEVC 320x240, decoded over TCP and UDP', async () => {
    const pub = publishTestPattern(`tcp://127.0.0.1:${t.ingest.ports.ts}`, { seconds: 10, format: 'mpegts', extraOutputArgs: h265 });
    await whilePublishingHere(pub, 'live/hevc', async () => {
      const streams = await probeStreams(rtsp('live/hevc'), tcpIn);
      expect(streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'hevc', width: 320, height: 240 });
      await expectAllPlay([{ url: rtsp('live/hevc'), inputArgs: tcpIn }, { url: rtsp('live/hevc'), inputArgs: udpIn }], 25, 6000);
    });
  }, 25_000);

  // FFmpeg 5.1 predates Enhanced RTMP (6.1 reads it; its ffprobe shows the video as "unknown"), so
  // the RTMP side is checked with the scripted client: hvc1 FourCC tags the server's own parser reads back.
  it('plays over RTMP as Enhanced RTMP hvc1: a sequence start, then a keyframe, then increasing timestamps', async () => {
    const pub = publishTestPattern(`tcp://127.0.0.1:${t.ingest.ports.ts}`, { seconds: 10, format: 'mpegts', extraOutputArgs: [...h265.slice(0, -1), 'service_name=hevcrtmp'] });
    const player = new RtmpTestClient();
    await whilePublishingHere(pub, 'live/hevcrtmp', async () => {
      await player.connect(t.rtmpUrl('live'));
      expect((await player.play('hevcrtmp')).code).toMatch(/NetStream\.Play\.(Reset|Start)/);
      const video = () => player.received.filter((m) => m.kind === 'media' && m.typeId === 9) as (Extract<(typeof player.received)[number], { kind: 'media' }>)[];
      await waitFor(() => video().length > 30, 6000, '30 RTMP video messages');
      const frames = video();
      // IsExHeader bit (0x80) and FourCC 'hvc1' (Enhanced RTMP v1)
      for (const m of frames) {
        expect(m.payload[0] & 0x80).toBe(0x80);
        expect(Buffer.from(m.payload.subarray(1, 5)).toString('latin1')).toBe('hvc1');
      }
      expect(frames[0].frame).toMatchObject({ kind: 'video-config', codec: 'h265' });
      expect(frames[1].frame).toMatchObject({ kind: 'video', codec: 'h265', keyframe: true });
      const times = frames.slice(1).map((m) => m.timestamp);
      for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);
    }).finally(() => player.close());
  }, 25_000);
});
