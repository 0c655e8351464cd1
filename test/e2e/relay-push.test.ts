
import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { RelayStatus } from '#domain/relay-status.js';
import { probePackets } from '../support/ffmpeg-runs.js';
import type { TestIngest } from '../support/ingest-harness.js';
import { useRelayTestbed } from '../support/use-relay-testbed.js';
import { nginxRtmpMissing, startNginxRtmp, type NginxRtmp } from '../support/nginx-rtmp.js';
import { waitFor } from '../support/wait.js';

const { ingest, publish, defer } = useRelayTestbed();

function status(t: TestIngest, id: string): RelayStatus | undefined {
  return t.ingest.relays.statuses().find((s) => s.id.startsWith(id));
}

/** A TCP server that accepts and then never answers (a stalled target or source). */
async function silentServer(): Promise<{ port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  defer(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return { port: (server.address() as { port: number }).port, sockets };
}

describe('relay push targets', () => {
  it('pushes a live stream to nginx-rtmp and to a second streamgate; ffprobe decodes both far sides; metrics and admin show the targets', async (ctx) => {
    const missing = nginxRtmpMissing();
    const nginx: NginxRtmp | undefined = missing === undefined ? await startNginxRtmp() : undefined;
    if (nginx) defer(() => nginx.stop());
    else console.warn(`nginx-rtmp part skipped: ${missing}`);
    const far = await ingest();
    const a = await ingest();
    const push = [`rtmp://127.0.0.1:${far.ingest.ports.rtmp}/live/{name}-copy`];
    if (nginx) push.push(`rtmp://127.0.0.1:${nginx.port}/live/SECRETKEY{name}`);
    a.ingest.relays.setDefinitions([{ id: 'restream', stream: 'live/*', push }]);
    publish(a.rtmpUrl('live/cam1'));
    await waitFor(() => status(a, 'restream#0')?.state === 'live' && (!nginx || status(a, 'restream#1')?.state === 'live'), 15_000, 'targets live');
    const probes = [probePackets(far.rtmpUrl('live/cam1-copy'), 2)];
    if (nginx) probes.push(probePackets(`rtmp://127.0.0.1:${nginx.port}/live/SECRETKEYcam1`, 2));
    for (const probe of await Promise.all(probes)) {
      expect(probe.codecs).toEqual(expect.arrayContaining(['h264', 'aac']));
      expect(probe.packets.filter((p) => p.codec_type === 'video').length).toBeGreaterThan(20);
    }
    const metrics = a.ingest.metrics.registry.render();
    expect(metrics).toMatch(/streamgate_relay_state\{relay="restream",link="restream#0@live\/cam1",direction="push",stream="live\/cam1",state="live",error=""\} 1/);
    expect(metrics).toMatch(/streamgate_relay_bytes\{relay="restream",link="restream#0@live\/cam1"[^}]*\} [1-9]\d+/);
    expect(metrics).not.toContain('SECRETKEY');
    const s = status(a, 'restream#1');
    if (s) expect(s.url).toBe(`rtmp://127.0.0.1:${nginx!.port}/live/***`);
    expect(JSON.stringify(a.logs)).not.toContain('SECRETKEY');
    ctx.annotate?.(`targets: ${a.ingest.relays.statuses().map((x) => `${x.url} ${x.state} ${x.bytes} B`).join('; ')}`);
  }, 40_000);

  it('pushes what arrives on the raw FLV relay port (the seed 6665) to STREAMGATE_RELAY_FLV_PUSH, named by onMetaData streamName', async () => {
    const far = await ingest();
    const a = await ingest({ STREAMGATE_RELAY_FLV_PUSH: `rtmp://127.0.0.1:${far.ingest.ports.rtmp}/live/{name}-via6665` });
    const port = a.ingest.ports['relay-flv'];
    expect(port).toBeGreaterThan(0);
    publish(`tcp://127.0.0.1:${port}/live`, { extraOutputArgs: ['-metadata', 'streamName=aaa'] });
    await waitFor(() => far.ingest.hub.isLive('live/aaa-via6665'), 15_000, 'the 6665 stream on the far side');
    expect(a.ingest.hub.streamInfo('live/aaa')!.publisher!.protocol).toBe('flv-relay');
    const probe = await probePackets(far.rtmpUrl('live/aaa-via6665'), 1.5);
    expect(probe.codecs).toEqual(expect.arrayContaining(['h264', 'aac']));
    // A stream published over RTMP is not pushed by the 6665 relay.
    publish(a.rtmpUrl('live/bbb'));
    await waitFor(() => a.ingest.hub.isLive('live/bbb'), 10_000, 'live/bbb');
    await new Promise((r) => setTimeout(r, 500));
    expect(a.ingest.relays.statuses().map((s) => s.stream)).toEqual(['live/aaa']);
  }, 40_000);

  it('reconnects to a target that restarts, within the backoff bound, and the far side gets media again', async () => {
    const far = await ingest();
    const farPort = far.ingest.ports.rtmp;
    const a = await ingest();
    a.ingest.relays.setDefinitions([{ id: 'r', stream: 'live/cam2', push: [`rtmp://127.0.0.1:${farPort}/live/cam2`] }]);
    publish(a.rtmpUrl('live/cam2'));
    await waitFor(() => status(a, 'r#0')?.state === 'live', 15_000, 'target live');
    await far.close();
    await waitFor(() => status(a, 'r#0')?.state === 'retrying', 5000, 'target retrying');
    const restarted = await ingest({ STREAMGATE_RTMP_PORT: String(farPort) });
    const back = Date.now();
    await waitFor(() => status(a, 'r#0')?.state === 'live', 5000, 'target live again');
    // Backoff is bounded by STREAMGATE_RELAY_RETRY_MAX_MS (1.5 s here) plus the connect.
    expect(Date.now() - back).toBeLessThan(3000);
    expect(status(a, 'r#0')!.connects).toBe(2);
    const probe = await probePackets(restarted.rtmpUrl('live/cam2'), 1.5);
    expect(probe.packets.filter((p) => p.codec_type === 'video').length).toBeGreaterThan(10);
  }, 40_000);

  it('bad targets give a clear state and error each, and the publisher and players are unaffected', async () => {
    const far = await ingest();
    const stalled = await silentServer();
    const strict = await ingest({ STREAMGATE_RELAY_ALLOW_PRIVATE: 'off' });
    const a = await ingest();
    // The far streamgate already has live/taken: its publish answer is a refusal.
    publish(far.rtmpUrl('live/taken'));
    await waitFor(() => far.ingest.hub.isLive('live/taken'), 10_000, 'far live/taken');
    for (const t of [a, strict]) {
      t.ingest.relays.setDefinitions([
        { id: 'unreachable', stream: 'live/cam3', push: ['rtmp://127.0.0.1:1/live/x'] },
        { id: 'refuses', stream: 'live/cam3', push: [`rtmp://127.0.0.1:${far.ingest.ports.rtmp}/live/taken`] },
        { id: 'stalls', stream: 'live/cam3', push: [`rtmp://127.0.0.1:${stalled.port}/live/x`] },
        { id: 'metadata', stream: 'live/cam3', push: ['rtmp://169.254.169.254/live/x'] },
        { id: 'good', stream: 'live/cam3', push: [`rtmp://127.0.0.1:${far.ingest.ports.rtmp}/live/cam3`] },
      ]);
    }
    publish(a.rtmpUrl('live/cam3'));
    publish(strict.rtmpUrl('live/cam3'));
    const err = (t: TestIngest, id: string) => status(t, id)?.lastError?.code;
    await waitFor(
      () => err(a, 'unreachable#0') !== undefined && err(a, 'refuses#0') !== undefined && err(a, 'stalls#0') !== undefined && err(a, 'metadata#0') !== undefined,
      15_000,
      'every bad target failed once',
    );
    expect(err(a, 'unreachable#0')).toBe('RELAY_CONNECT_FAILED');
    expect(err(a, 'refuses#0')).toBe('RELAY_REJECTED');
    expect(status(a, 'refuses#0')!.lastError!.message).toContain('NetStream.Publish.BadName');
    expect(err(a, 'stalls#0')).toBe('RELAY_TIMEOUT');
    expect(err(a, 'metadata#0')).toBe('RELAY_ADDRESS_REFUSED');
    for (const id of ['unreachable#0', 'refuses#0', 'stalls#0', 'metadata#0']) expect(['retrying', 'connecting']).toContain(status(a, id)!.state);
    // The good target is live beside them; the private-address policy refuses loopback on `strict`.
    expect(status(a, 'good#0')!.state).toBe('live');
    await waitFor(() => err(strict, 'good#0') !== undefined, 5000, 'strict refusal');
    expect(err(strict, 'good#0')).toBe('RELAY_ADDRESS_REFUSED');
    expect(status(strict, 'good#0')!.lastError!.message).toContain('loopback');
    // The publisher kept publishing and a player of the source stream decodes.
    const probe = await probePackets(a.rtmpUrl('live/cam3'), 1.5);
    expect(probe.packets.filter((p) => p.codec_type === 'video').length).toBeGreaterThan(10);
    expect(a.ingest.hub.streamInfo('live/cam3')!.live).toBe(true);
  }, 40_000);
});
