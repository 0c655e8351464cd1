
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { probePackets, publishTestPattern } from '../support/ffmpeg-runs.js';
import type { TestIngest } from '../support/ingest-harness.js';
import { relayStatus, useRelayTestbed } from '../support/use-relay-testbed.js';
import { waitFor } from '../support/wait.js';

const { ingest, publish, publishLive, defer } = useRelayTestbed({ STREAMGATE_RELAY_PULL_IDLE_MS: '500' });

const status = relayStatus;
const tlsFixture = (name: string) => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));

/** A TCP server that answers every connection with `reply` (garbage for a source). */
async function replyingServer(reply: Buffer): Promise<number> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    s.once('data', () => s.write(reply));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  defer(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return (server.address() as { port: number }).port;
}

describe('relay pull sources', () => {
  it('pulls over RTSPS from a camera with a self-signed certificate pinned by its SHA-256 fingerprint, and refuses it unpinned or with another fingerprint', async () => {
    const tls = { STREAMGATE_TLS_CERT: tlsFixture('localhost-cert.pem'), STREAMGATE_TLS_KEY: tlsFixture('localhost-key.pem'), STREAMGATE_RTSPS_PORT: '0' };
    const camera = await ingest(tls);
    const edge = await ingest();
    await publishLive(camera, 'live/cam');
    const fingerprint = new X509Certificate(readFileSync(tlsFixture('localhost-cert.pem'))).fingerprint256;
    const base = `rtsps://127.0.0.1:${camera.ingest.ports.rtsps}/live/cam`;
    edge.ingest.relays.setDefinitions([
      { id: 'pinned', stream: 'live/viatls', pull: `${base}?fingerprint=${fingerprint}`, mode: 'always' },
      { id: 'unpinned', stream: 'live/untrusted', pull: base, mode: 'always' },
      { id: 'other', stream: 'live/other', pull: `${base}?fingerprint=${'ab'.repeat(32)}`, mode: 'always' },
    ]);
    await waitFor(() => status(edge, 'pinned')?.state === 'live', 10_000, 'the pinned RTSPS pull live');
    const probe = await probePackets(edge.rtmpUrl('live/viatls'), 2);
    expect(probe.codecs).toEqual(expect.arrayContaining(['h264', 'aac']));
    expect(probe.packets.filter((p) => p.codec_type === 'video').length).toBeGreaterThan(20);
    // The camera saw one RTSPS player, RTP interleaved in the TLS connection.
    expect(camera.logs.some((l) => l.event === 'rtsp.play' && l.protocol === 'rtsps' && l.udp === false)).toBe(true);
    const code = (id: string) => status(edge, id)?.lastError?.code;
    await waitFor(() => code('unpinned') !== undefined && code('other') !== undefined, 10_000, 'both untrusted pulls failed');
    expect(code('unpinned')).toBe('RELAY_CONNECT_FAILED');
    expect(status(edge, 'unpinned')!.lastError!.message).toMatch(/self.signed|certificate/i);
    expect(code('other')).toBe('RELAY_TLS_FINGERPRINT');
    expect(edge.ingest.hub.isLive('live/untrusted') || edge.ingest.hub.isLive('live/other')).toBe(false);
  }, 40_000);

  it('pulls from another streamgate over RTMP (on demand) and HTTP-FLV (always); ffprobe decodes the pulled streams; an on-demand pull stops after its last player', async () => {
    const origin = await ingest();
    const edge = await ingest();
    await publishLive(origin, 'live/src');
    edge.ingest.relays.setDefinitions([
      { id: 'by-rtmp', stream: 'live/fromrtmp', pull: `rtmp://127.0.0.1:${origin.ingest.ports.rtmp}/live/src`, mode: 'on-demand' },
      { id: 'by-flv', stream: 'live/fromflv', pull: `http://127.0.0.1:${origin.ingest.ports.http}/live/src.flv`, mode: 'always' },
    ]);
    await waitFor(() => status(edge, 'by-flv')?.state === 'live', 10_000, 'HTTP-FLV pull live');
    // Nobody plays live/fromrtmp yet: the on-demand pull has not started.
    expect(status(edge, 'by-rtmp')!.state).toBe('idle');
    const [rtmp, flv] = await Promise.all([probePackets(edge.rtmpUrl('live/fromrtmp'), 2), probePackets(edge.rtmpUrl('live/fromflv'), 2)]);
    for (const probe of [rtmp, flv]) {
      expect(probe.codecs).toEqual(expect.arrayContaining(['h264', 'aac']));
      expect(probe.packets.filter((p) => p.codec_type === 'video').length).toBeGreaterThan(20);
    }
    expect(status(edge, 'by-rtmp')!.connects).toBe(1);
    await waitFor(() => status(edge, 'by-rtmp')?.state === 'stopped', 5000, 'on-demand pull stopped after the last player');
    expect(edge.ingest.hub.isLive('live/fromrtmp')).toBe(false);
    expect(status(edge, 'by-flv')!.state).toBe('live');
  }, 40_000);

  it('pulls over RTSP with RTP interleaved on TCP and over UDP from an RTSP server (a streamgate camera stand-in fed by ffmpeg over RTSP)', async () => {
    const camera = await ingest({ STREAMGATE_RTP_PORTS: '33000-33499' });
    const edge = await ingest();
    const pub = publishTestPattern(`rtsp://127.0.0.1:${camera.ingest.ports.rtsp}/live/cam`, { seconds: 30, gop: 25, format: 'rtsp', extraOutputArgs: ['-rtsp_transport', 'tcp'] });
    defer(() => void pub.kill('SIGKILL'));
    await waitFor(() => (camera.ingest.hub.streamInfo('live/cam')?.framesIn ?? 0) > 30, 10_000, 'camera live');
    const base = `rtsp://127.0.0.1:${camera.ingest.ports.rtsp}/live/cam`;
    edge.ingest.relays.setDefinitions([
      { id: 'rtsp-tcp', stream: 'live/viatcp', pull: base, mode: 'always' },
      { id: 'rtsp-udp', stream: 'live/viaudp', pull: `${base}?transport=udp`, mode: 'always' },
    ]);
    await waitFor(() => status(edge, 'rtsp-tcp')?.state === 'live' && status(edge, 'rtsp-udp')?.state === 'live', 10_000, 'RTSP pulls live');
    const [tcp, udp] = await Promise.all([probePackets(edge.rtmpUrl('live/viatcp'), 2), probePackets(edge.rtmpUrl('live/viaudp'), 2)]);
    for (const probe of [tcp, udp]) {
      expect(probe.codecs).toEqual(expect.arrayContaining(['h264', 'aac']));
      expect(probe.packets.filter((p) => p.codec_type === 'video').length).toBeGreaterThan(20);
    }
    // The camera saw one play with RTP over TCP and one over UDP.
    const plays = camera.logs.filter((l) => l.event === 'rtsp.play').map((l) => l.udp);
    expect(plays.sort()).toEqual([false, true]);
  }, 40_000);

  it('a source that sends garbage, a missing stream and a private address give clear errors; other streams are unaffected', async () => {
    const origin = await ingest();
    const strict = await ingest({ STREAMGATE_RELAY_ALLOW_PRIVATE: 'off' });
    const edge = await ingest();
    const junk = Buffer.from('this is not RTMP nor FLV at all'.repeat(100));
    const rtmpJunk = await replyingServer(junk);
    const httpJunk = await replyingServer(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\n\r\n'), junk]));
    publish(edge.rtmpUrl('live/local'));
    const defs = [
      { id: 'junk-rtmp', stream: 'live/j1', pull: `rtmp://127.0.0.1:${rtmpJunk}/live/x`, mode: 'always' as const },
      { id: 'junk-flv', stream: 'live/j2', pull: `http://127.0.0.1:${httpJunk}/live/x.flv`, mode: 'always' as const },
      { id: 'absent', stream: 'live/j3', pull: `http://127.0.0.1:${origin.ingest.ports.http}/live/nothing.flv`, mode: 'always' as const },
      { id: 'metadata', stream: 'live/j4', pull: 'http://169.254.169.254/latest/meta-data/', mode: 'always' as const },
    ];
    edge.ingest.relays.setDefinitions(defs);
    strict.ingest.relays.setDefinitions([{ id: 'private', stream: 'live/p', pull: `rtmp://127.0.0.1:${origin.ingest.ports.rtmp}/live/src`, mode: 'always' }]);
    const code = (t: TestIngest, id: string) => status(t, id)?.lastError?.code;
    await waitFor(() => defs.every((d) => code(edge, d.id) !== undefined) && code(strict, 'private') !== undefined, 15_000, 'every bad source failed once');
    expect(code(edge, 'junk-rtmp')).toBe('RTMP_HANDSHAKE_VERSION');
    expect(code(edge, 'junk-flv')).toBe('FLV_BAD_HEADER');
    // streamgate answers a stream nobody publishes with 404 after its wait, or holds the request: either way no media.
    expect(['RELAY_REJECTED', 'RELAY_TIMEOUT']).toContain(code(edge, 'absent'));
    expect(code(edge, 'metadata')).toBe('RELAY_ADDRESS_REFUSED');
    expect(code(strict, 'private')).toBe('RELAY_ADDRESS_REFUSED');
    for (const d of defs) expect(edge.ingest.hub.isLive(d.stream)).toBe(false);
    const probe = await probePackets(edge.rtmpUrl('live/local'), 1.5);
    expect(probe.packets.filter((p) => p.codec_type === 'video').length).toBeGreaterThan(10);
  }, 40_000);
});
