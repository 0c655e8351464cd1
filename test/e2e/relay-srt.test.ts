import { describe, expect, it } from 'vitest';
import { probePackets, publishTestPattern } from '../support/ffmpeg-runs.js';
import { relayStatus, useRelayTestbed } from '../support/use-relay-testbed.js';
import { freeUdpPort } from '../support/udp.js';
import { waitFor } from '../support/wait.js';

const { ingest, publishLive, defer } = useRelayTestbed();
const PASSPHRASE = 'srt-relay-secret-42';

function expectDecoded(probe: { codecs: string[]; packets: { codec_type: string }[] }): void {
  expect(probe.codecs).toEqual(expect.arrayContaining(['h264', 'aac']));
  expect(probe.packets.filter((p) => p.codec_type === 'video').length).toBeGreaterThan(20);
}

describe('SRT relays (caller mode, MPEG-TS) against libsrt and streamgate', () => {
  it('pushes a live stream to an ffmpeg SRT listener with a passphrase; ffprobe decodes it there; the passphrase is never logged or shown', async () => {
    const a = await ingest();
    await publishLive(a, 'live/cam1');
    const port = await freeUdpPort();
    // ffprobe (libsrt) listens and reads what the relay pushes
    const far = probePackets(`srt://127.0.0.1:${port}?mode=listener&passphrase=${PASSPHRASE}`, 3);
    a.ingest.relays.setDefinitions([{ id: 'to-srt', stream: 'live/cam1', push: [`srt://127.0.0.1:${port}?streamid=cam1&passphrase=${PASSPHRASE}&latency=200`] }]);
    expectDecoded(await far);
    expect(relayStatus(a, 'to-srt')?.url).toBe(`srt://127.0.0.1:${port}?***`);
    expect(JSON.stringify(a.logs)).not.toContain(PASSPHRASE);
    expect(a.ingest.metrics.registry.render()).not.toContain(PASSPHRASE);
  }, 40_000);

  it('pulls from an ffmpeg SRT sender in listener mode; the pulled stream plays over RTMP', async () => {
    const edge = await ingest();
    const port = await freeUdpPort();
    const sender = publishTestPattern(`srt://127.0.0.1:${port}?mode=listener`, { seconds: 30, gop: 25, format: 'mpegts' });
    defer(() => void sender.kill('SIGKILL'));
    edge.ingest.relays.setDefinitions([{ id: 'from-srt', stream: 'live/fromsrt', pull: `srt://127.0.0.1:${port}?streamid=ignored`, mode: 'always' }]);
    await waitFor(() => relayStatus(edge, 'from-srt')?.state === 'live' && edge.ingest.hub.isLive('live/fromsrt'), 15_000, 'SRT pull live');
    expectDecoded(await probePackets(edge.rtmpUrl('live/fromsrt'), 2));
  }, 40_000);

  it('streamgate to streamgate: a push to the far SRT listener (publish: stream id, encrypted) and a pull of it back (read: stream id)', async () => {
    const farPort = await freeUdpPort();
    const far = await ingest({ STREAMGATE_SRT_PORT: String(farPort), STREAMGATE_SRT_PASSPHRASE: PASSPHRASE });
    const a = await ingest();
    await publishLive(a, 'live/src');
    a.ingest.relays.setDefinitions([{ id: 'sg-push', stream: 'live/src', push: [`srt://127.0.0.1:${farPort}?streamid=publish:live/copy&passphrase=${PASSPHRASE}&pbkeylen=32`] }]);
    await waitFor(() => far.ingest.hub.isLive('live/copy'), 15_000, 'far side live over SRT');
    expectDecoded(await probePackets(far.rtmpUrl('live/copy'), 2));
    const b = await ingest();
    b.ingest.relays.setDefinitions([{ id: 'sg-pull', stream: 'live/back', pull: `srt://127.0.0.1:${farPort}?streamid=read:live/copy&passphrase=${PASSPHRASE}`, mode: 'always' }]);
    await waitFor(() => b.ingest.hub.isLive('live/back'), 15_000, 'pull over SRT live');
    expectDecoded(await probePackets(b.rtmpUrl('live/back'), 2));
  }, 60_000);

  it('a wrong passphrase, a refused stream id and a silent address each give the link a coded error and a retry, nothing else is touched', async () => {
    const farPort = await freeUdpPort();
    const far = await ingest({ STREAMGATE_SRT_PORT: String(farPort), STREAMGATE_SRT_PASSPHRASE: PASSPHRASE });
    const a = await ingest();
    await publishLive(a, 'live/x');
    const silent = await freeUdpPort();
    a.ingest.relays.setDefinitions([
      { id: 'bad-secret', stream: 'live/x', push: [`srt://127.0.0.1:${farPort}?streamid=publish:live/y&passphrase=not-the-right-one`] },
      { id: 'bad-mode', stream: 'live/x', push: [`srt://127.0.0.1:${farPort}?streamid=nonsense:live/y&passphrase=${PASSPHRASE}`] },
      { id: 'silent', stream: 'live/x', push: [`srt://127.0.0.1:${silent}?streamid=publish:live/y`] },
    ]);
    await waitFor(() => ['bad-secret', 'bad-mode', 'silent'].every((id) => relayStatus(a, id)?.lastError !== undefined), 15_000, 'three coded errors');
    expect(relayStatus(a, 'bad-secret')!.lastError!.code).toBe('RELAY_REJECTED');
    expect(relayStatus(a, 'bad-mode')!.lastError!.code).toBe('RELAY_REJECTED');
    expect(relayStatus(a, 'silent')!.lastError!.code).toBe('RELAY_TIMEOUT');
    expect(a.ingest.hub.isLive('live/x')).toBe(true);
    expect(far.ingest.hub.isLive('live/y')).toBe(false);
    expect(JSON.stringify(a.logs)).not.toContain('not-the-right-one');
  }, 40_000);
});
