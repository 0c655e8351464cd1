import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openAccess, type RtmpAccessControl } from '#ingest/servers/rtmp/rtmp-access-control.js';
import { ffmpegPath } from '../support/ffmpeg.js';
import { exited, playAndCount, publishTestPattern } from '../support/ffmpeg-runs.js';
import { useTestIngest } from '../support/use-test-ingest.js';
import { waitFor } from '../support/wait.js';

/** Open access except for publishing `live/forbidden`: what the real access control would say. */
const access: RtmpAccessControl = {
  ...openAccess,
  publish: async (req) =>
    req.stream === 'forbidden'
      ? { ok: false, code: 'NetStream.Publish.Denied', description: `Stream name not allowed for the logged in user: ${req.stream}` }
      : { ok: true },
};

describe('RTMPT on the HTTP listener with real ffmpeg', () => {
  const t = useTestIngest({ STREAMGATE_LOG_LEVEL: 'info' }, { access });
  const rtmpt = (path: string): string => `rtmpt://127.0.0.1:${t.ingest.ports.http}/${path}`;

  it('takes an ffmpeg rtmpt:// publish into the hub, plays it back over rtmpt:// and rtmp://, and unpublishes on /close', async () => {
    const publisher = publishTestPattern(rtmpt('live/tunnel'), { seconds: 8 });
    try {
      await waitFor(() => t.ingest.hub.isLive('live/tunnel'), 10_000, 'the tunnelled publisher to go live');
      expect(t.ingest.hub.streamInfo('live/tunnel')!.publisher!.protocol).toBe('rtmpt');
      const [overTunnel, overRtmp] = await Promise.all([
        playAndCount(rtmpt('live/tunnel'), { frames: 40, timeoutMs: 15_000 }),
        playAndCount(t.rtmpUrl('live/tunnel'), { frames: 40, timeoutMs: 15_000 }),
      ]);
      expect(overTunnel.stderr).toBe('');
      expect(overTunnel.videoFrames).toBe(40);
      expect(overRtmp.videoFrames).toBe(40);
      expect(await exited(publisher)).toBe(0);
      // ffmpeg drops the tail of the session and POSTs /close: that ends the publish.
      await waitFor(() => !t.ingest.hub.isLive('live/tunnel'), 3000, 'the unpublish');
      await waitFor(() => t.ingest.registry.list().every((e) => e.protocol !== 'rtmpt'), 3000, 'the tunnel connections to close');
    } finally {
      publisher.kill('SIGKILL');
    }
  });

  it('asks the same access control as RTMP: a denied rtmpt:// publish never goes live', async () => {
    const child = spawn(
      ffmpegPath,
      ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25', '-t', '3',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'flv', rtmpt('live/forbidden')],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await exited(child);
    expect(code).not.toBe(0);
    expect(t.ingest.hub.isLive('live/forbidden')).toBe(false);
    expect(t.logs.some((l) => l.event === 'rtmp.publish-denied' && l.stream === 'forbidden' && l.protocol === 'rtmpt')).toBe(true);
    expect(stderr.length).toBeGreaterThan(0);
  });
});
