import { connect as netConnect } from 'node:net';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exited, playAndCount, publishTestPattern } from '../support/ffmpeg-runs.js';
import { useTestIngest } from '../support/use-test-ingest.js';
import { waitFor } from '../support/wait.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));

/** Sends one RTSP request over `socket` and resolves with the whole answer (head and body). */
function exchange(socket: ReturnType<typeof connect>, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += d.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/^Content-Length:\s*(\d+)/im.exec(text.slice(0, end))?.[1] ?? 0);
      if (text.length < end + 4 + length) return;
      socket.off('data', onData);
      resolve(text);
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(request);
  });
}

describe('RTSPS (RTSP over TLS) with real ffmpeg and a self-signed certificate', () => {
  const t = useTestIngest({
    STREAMGATE_LOG_LEVEL: 'info',
    STREAMGATE_TLS_CERT: fixture('localhost-cert.pem'),
    STREAMGATE_TLS_KEY: fixture('localhost-key.pem'),
    STREAMGATE_RTSPS_PORT: '0',
    STREAMGATE_HANDSHAKE_TIMEOUT_MS: '1500',
  });
  const rtsps = (path: string): string => `rtsps://127.0.0.1:${t.ingest.ports.rtsps}/${path}`;

  it('takes an ffmpeg rtsps:// publish and plays it to ffmpeg over rtsps://, RTP interleaved in the TLS connection', async () => {
    const publisher = publishTestPattern(rtsps('live/secure'), { seconds: 8, format: 'rtsp' });
    try {
      await waitFor(() => (t.ingest.hub.streamInfo('live/secure')?.framesIn ?? 0) > 20, 10_000, 'the rtsps publish');
      expect(t.ingest.hub.streamInfo('live/secure')!.publisher!.protocol).toBe('rtsps');
      const r = await playAndCount(rtsps('live/secure'), { frames: 40, timeoutMs: 15_000 });
      expect(r.videoFrames, r.stderr).toBe(40);
      expect(t.logs.some((l) => l.event === 'rtsp.play' && l.protocol === 'rtsps' && l.udp === false)).toBe(true);
    } finally {
      publisher.kill('SIGKILL');
      await exited(publisher);
    }
  }, 30_000);

  it('answers a SETUP that offers only plain UDP with 461 and its code, and the connection goes on', async () => {
    const publisher = publishTestPattern(t.rtmpUrl('live/plain'), { seconds: 8 });
    let socket: ReturnType<typeof connect> | undefined;
    try {
      await waitFor(() => t.ingest.hub.isLive('live/plain'), 10_000, 'the publish');
      socket = connect({ host: '127.0.0.1', port: t.ingest.ports.rtsps!, rejectUnauthorized: false });
      await new Promise<void>((resolve) => socket!.once('secureConnect', () => resolve()));
      const url = rtsps('live/plain');
      const described = await exchange(socket!, `DESCRIBE ${url} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n`);
      expect(described).toMatch(/^RTSP\/1.0 200/);
      const control = /a=control:(\S+)/.exec(described.slice(described.indexOf('m=')))![1]!;
      const track = control.startsWith('rtsp') ? control : `${url}/${control}`;
      const udp = await exchange(socket!, `SETUP ${track} RTSP/1.0\r\nCSeq: 2\r\nTransport: RTP/AVP;unicast;client_port=40000-40001\r\n\r\n`);
      expect(udp).toMatch(/^RTSP\/1.0 461/);
      expect(t.logs.some((l) => l.code === 'RTSP_TLS_NEEDS_INTERLEAVED')).toBe(true);
      const tcp = await exchange(socket!, `SETUP ${track} RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n`);
      expect(tcp).toMatch(/^RTSP\/1.0 200/);
    } finally {
      socket?.destroy();
      publisher.kill('SIGKILL');
      await exited(publisher);
    }
  }, 30_000);

  it('closes a connection that never finishes its TLS handshake at the handshake deadline (not Node\'s 120 s), on RTSPS and RTMPS', async () => {
    for (const port of [t.ingest.ports.rtsps!, t.ingest.ports.rtmps!]) {
      const started = Date.now();
      const socket = netConnect({ host: '127.0.0.1', port });
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      expect(Date.now() - started).toBeLessThan(5000);
    }
  }, 15_000);

  it('drops a peer that speaks plain RTSP to the TLS port without disturbing the listener', async () => {
    const r = await playAndCount(`rtsp://127.0.0.1:${t.ingest.ports.rtsps}/live/secure`, { frames: 1, timeoutMs: 5000 });
    expect(r.videoFrames).toBe(0);
    expect(t.logs.some((l) => l.event === 'rtsps.tls-error')).toBe(true);
  });
});
