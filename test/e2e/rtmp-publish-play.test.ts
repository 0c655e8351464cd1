import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { exited, playAndCount, publishTestPattern } from '../support/ffmpeg-runs.js';
import { useLiveTestIngest } from '../support/use-live-test-ingest.js';
import type { Socket } from 'node:net';
import { RtmpTestClient } from '../support/rtmp-test-client.js';
import { sleep, waitFor } from '../support/wait.js';

async function client(url: string): Promise<RtmpTestClient> {
  const c = new RtmpTestClient();
  const answer = await c.connect(url);
  expect(answer.name).toBe('_result');
  return c;
}

describe('RTMP publish and play with real ffmpeg', () => {
  const t = useLiveTestIngest('live/e2e', { STREAMGATE_LOG_LEVEL: 'info' });

  it('lets two ffmpeg players decode frames of the same stream at once', async () => {
    const [a, b] = await Promise.all([
      playAndCount(t.rtmpUrl('live/e2e'), { frames: 40, timeoutMs: 15_000 }),
      playAndCount(t.rtmpUrl('live/e2e'), { frames: 40, timeoutMs: 15_000 }),
    ]);
    expect(a.stderr).toBe('');
    expect(a.videoFrames).toBe(40);
    expect(b.videoFrames).toBe(40);
  });

  it('starts a late joiner from the GOP cache within a second of connecting', async () => {
    await sleep(1500); // the publisher is well into a GOP now
    const r = await playAndCount(t.rtmpUrl('live/e2e'), {
      frames: 1,
      timeoutMs: 10_000,
      inputArgs: ['-fflags', 'nobuffer', '-analyzeduration', '0', '-probesize', '32'],
    });
    expect(r.videoFrames).toBe(1);
    expect(r.firstFrameMs).toBeDefined();
    expect(r.firstFrameMs!).toBeLessThan(1000);
  });

  it('logs publish, play and close as structured events with connection id and stream', () => {
    const publish = t.logs.find((l) => l.event === 'rtmp.publish' && l.stream === 'e2e');
    expect(publish).toMatchObject({ app: 'live', protocol: 'rtmp' });
    expect(typeof publish!.conn).toBe('string');
    expect(typeof publish!.remote).toBe('string');
    const closed = t.logs.find((l) => l.event === 'connection.close' && l.role === 'player');
    expect(closed).toMatchObject({ app: 'live', stream: 'e2e' });
    expect(closed!.bytesOut).toBeGreaterThan(1000);
    expect(typeof closed!.durationMs).toBe('number');
  });

  it('keeps serving a player while another player stops reading', async () => {
    // A raw client that handshakes, plays, then never reads again: its socket buffers fill.
    const stalled = await client(t.rtmpUrl('live'));
    expect((await stalled.play('e2e')).code).toBe('NetStream.Play.Reset');
    (stalled as unknown as { socket: Socket }).socket.pause();
    const r = await playAndCount(t.rtmpUrl('live/e2e'), { frames: 100, timeoutMs: 15_000 });
    expect(r.videoFrames).toBe(100);
    await stalled.close();
  });

  it('refuses a second publisher of a live stream with Publish.BadName', async () => {
    const c = await client(t.rtmpUrl('live'));
    const status = await c.publish('e2e');
    expect(status.code).toBe('NetStream.Publish.BadName');
    expect(c.received.some((m) => m.kind === 'command' && m.code === 'NetStream.Publish.Start')).toBe(false);
    await c.close();
  });

  it('survives a burst of bad input while a stream is being played', async () => {
    const player = playAndCount(t.rtmpUrl('live/e2e'), { frames: 75, timeoutMs: 20_000 });
    const garbage: Buffer[] = [
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.concat([Buffer.from([85]), Buffer.alloc(1536)]), // "Handshake type not implemented: 85"
      Buffer.concat([Buffer.from([3]), Buffer.alloc(1536), Buffer.alloc(1536), Buffer.from([0x03, 0, 0, 0, 0xff, 0xff, 0xff, 0x14, 0, 0, 0, 0])]),
      Buffer.alloc(5000, 0xff),
    ];
    await Promise.all(
      garbage.map(
        (bytes) =>
          new Promise<void>((resolve) => {
            const s = connect(t.ingest.ports.rtmp, '127.0.0.1', () => s.write(bytes));
            s.on('error', () => resolve());
            s.on('close', () => resolve());
            s.resume();
            setTimeout(() => s.destroy(), 3000).unref();
          }),
      ),
    );
    const r = await player;
    expect(r.videoFrames).toBe(75);
    const codes = t.logs.filter((l) => l.event === 'rtmp.protocol-error').map((l) => l.code);
    expect(codes).toContain('RTMP_HANDSHAKE_VERSION');
    expect(codes).toContain('RTMP_HTTP_ON_RTMP_PORT');
    expect(t.ingest.hub.isLive('live/e2e')).toBe(true);
  });

  it('tells a waiting player when the publisher leaves and comes back', async () => {
    const second = publishTestPattern(t.rtmpUrl('live/again'));
    await waitFor(() => t.ingest.hub.isLive('live/again'), 10_000, 'publish');
    const c = await client(t.rtmpUrl('live'));
    await c.play('again');
    second.kill('SIGKILL');
    await exited(second);
    await c.nextCommand((m) => m.code === 'NetStream.Play.UnpublishNotify', 10_000);
    const third = publishTestPattern(t.rtmpUrl('live/again'));
    try {
      await c.nextCommand((m) => m.code === 'NetStream.Play.PublishNotify', 10_000);
      await c.nextMessage((m) => m.kind === 'media' && m.typeId === 9, 10_000);
    } finally {
      third.kill('SIGKILL');
      await c.close();
    }
  });
});
