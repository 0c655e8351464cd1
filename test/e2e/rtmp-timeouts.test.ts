import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { RtmpTestClient } from '../support/rtmp-test-client.js';
import { useTestIngest } from '../support/use-test-ingest.js';

describe('RTMP idle and half-open connections', () => {
  const t = useTestIngest({ STREAMGATE_HANDSHAKE_TIMEOUT_MS: '300', STREAMGATE_IDLE_TIMEOUT_MS: '400' });

  it('closes a TCP connection that never completes the handshake', async () => {
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve) => {
      const s = connect(t.ingest.ports.rtmp, '127.0.0.1', () => s.write(Buffer.from([3])));
      s.on('close', () => resolve(Date.now() - started));
      s.on('error', () => undefined);
      s.resume();
    });
    expect(closedAfter).toBeGreaterThanOrEqual(250);
    expect(closedAfter).toBeLessThan(3000);
    expect(t.logs.some((l) => l.event === 'connection.close' && l.reason === 'handshake-timeout')).toBe(true);
  });

  it('closes a connected client that neither publishes nor plays by the handshake deadline', async () => {
    const c = new RtmpTestClient();
    await c.connect(t.rtmpUrl('live'));
    const started = Date.now();
    await c.closed;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(t.logs.some((l) => l.event === 'connection.close' && l.reason === 'handshake-timeout' && l.connected === true)).toBe(true);
  });

  it('ends a publish whose encoder goes silent (half-open) and frees the stream name', async () => {
    const c = new RtmpTestClient();
    await c.connect(t.rtmpUrl('live'));
    const status = await c.publish('silent');
    expect(status.code).toBe('NetStream.Publish.Start');
    expect(t.ingest.hub.isLive('live/silent')).toBe(true);
    await c.closed;
    expect(t.ingest.hub.isLive('live/silent')).toBe(false);
  });
});
