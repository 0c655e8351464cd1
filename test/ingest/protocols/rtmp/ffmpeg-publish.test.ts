import { describe, expect, it } from 'vitest';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { startLoopbackServer } from './loopback-server.js';
import { runFfmpeg } from '#test/support/ffmpeg-runs.js';

describe('RtmpServerSession with a real ffmpeg publisher', () => {
  it('takes a 2 s h264+aac publish: connect, publish, configs, keyframes, metadata, unpublish', async () => {
    const server = await startLoopbackServer();
    try {
      const result = await runFfmpeg([
        '-hide_banner', '-loglevel', 'error',
        '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25',
        '-f', 'lavfi', '-i', 'sine', '-t', '2',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-c:a', 'aac',
        '-f', 'flv', `rtmp://127.0.0.1:${server.port}/live/test`,
      ]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(server.errors).toEqual([]);
      const types = server.events.map((e) => e.type);
      expect(types[0]).toBe('connect');
      expect(server.events[0]).toMatchObject({ type: 'connect', app: 'live', tcUrl: `rtmp://127.0.0.1:${server.port}/live` });
      expect(server.events[1]).toMatchObject({ type: 'publish', name: 'test', publishType: 'live' });
      expect(types.at(-1)).toBe('unpublish');
      // FFmpeg sends its C1 with a digest: our S1/S2 digests must have satisfied it.
      expect(server.sessions[0].handshakeKind).toBe('digest');
      const frames = server.events.flatMap((e) => (e.type === 'frame' ? [e.frame] : [])) as MediaFrame[];
      const videoConfig = frames.find((f) => f.kind === 'video-config');
      expect(videoConfig).toMatchObject({ codec: 'h264', width: 320, height: 240 });
      expect(frames.find((f) => f.kind === 'audio-config')).toMatchObject({ codec: 'aac', sampleRate: 44100, channels: 1 });
      expect(frames.find((f) => f.kind === 'metadata')).toMatchObject({ values: { width: 320, height: 240 } });
      const video = frames.filter((f) => f.kind === 'video');
      expect(video.length).toBeGreaterThanOrEqual(45);
      expect(video.filter((f) => f.kind === 'video' && f.keyframe).length).toBeGreaterThanOrEqual(2);
      expect(frames.filter((f) => f.kind === 'audio').length).toBeGreaterThan(50);
    } finally {
      await server.close();
    }
  });

  it('takes timestamps past 0xFFFFFF ms (extended timestamps as FFmpeg writes them)', async () => {
    const server = await startLoopbackServer();
    try {
      const result = await runFfmpeg([
        '-hide_banner', '-loglevel', 'error',
        '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25', '-t', '1',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10',
        '-output_ts_offset', '16800',
        '-f', 'flv', `rtmp://127.0.0.1:${server.port}/live/late`,
      ]);
      expect(result.stderr).toBe('');
      expect(server.errors).toEqual([]);
      const video = server.events.flatMap((e) => (e.type === 'frame' && e.frame.kind === 'video' ? [e.frame] : []));
      expect(video.length).toBeGreaterThanOrEqual(20);
      expect(video[0].dts).toBeGreaterThanOrEqual(0xffffff);
      for (let i = 1; i < video.length; i++) expect(video[i].dts - video[i - 1].dts).toBe(40);
    } finally {
      await server.close();
    }
  });
});
