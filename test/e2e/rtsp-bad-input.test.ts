import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, playAndCount, publishTestPattern } from '../support/ffmpeg-runs.js';
import { startTestIngest, type TestIngest } from '../support/ingest-harness.js';
import { waitFor } from '../support/local-stack-harness.js';

let t: TestIngest;
let bystander: ReturnType<typeof publishTestPattern>;
const rtsp = (path: string): string => `rtsp://127.0.0.1:${t.ingest.ports.rtsp}/${path}`;

beforeAll(async () => {
  t = await startTestIngest({ STREAMGATE_RTP_PORTS: '33000-33999', STREAMGATE_HANDSHAKE_TIMEOUT_MS: '500' });
  // A healthy publisher the whole time: bad connections must not disturb it.
  bystander = publishTestPattern(rtsp('live/bystander'), { seconds: 30, format: 'rtsp', extraOutputArgs: ['-rtsp_transport', 'tcp'] });
  await waitFor(() => (t.ingest.hub.streamInfo('live/bystander')?.framesIn ?? 0) > 10, 6000, 'the bystander publish');
});
afterAll(async () => {
  bystander?.kill('SIGKILL');
  if (bystander) await exited(bystander);
  await t?.close();
});

/** Sends `bytes`, collects everything the server answers until it closes (or `waitMs`). */
function exchange(bytes: string | Buffer, waitMs = 3000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(t.ingest.ports.rtsp, '127.0.0.1');
    let text = '';
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('close', () => done(true));
    socket.on('error', () => {});
    socket.write(bytes);
  });
}

const codeLogged = (code: string): boolean => t.logs.some((l) => l.event === 'rtsp.protocol-error' && l.code === code);

describe('RTSP bad input: coded errors, only that connection closes', () => {
  it('an endless header line gets 400 and the connection closes (RTSP_HEADER_TOO_LONG)', async () => {
    const r = await exchange(`OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX-Long: ${'a'.repeat(20_000)}`);
    expect(r.closed).toBe(true);
    expect(r.text).toMatch(/^RTSP\/1.0 400 /);
    expect(codeLogged('RTSP_HEADER_TOO_LONG')).toBe(true);
  });

  it('too many header lines get 400 (RTSP_TOO_MANY_HEADERS)', async () => {
    const r = await exchange(`OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n${'X-A: b\r\n'.repeat(100)}\r\n`);
    expect(r.closed).toBe(true);
    expect(r.text).toMatch(/^RTSP\/1.0 400 /);
    expect(codeLogged('RTSP_TOO_MANY_HEADERS')).toBe(true);
  });

  it('a Content-Length over the body limit gets 413 before any body is read', async () => {
    const r = await exchange(`ANNOUNCE ${rtsp('live/x')} RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 10000000\r\n\r\n`);
    expect(r.closed).toBe(true);
    expect(r.text).toMatch(/^RTSP\/1.0 413 /);
  });

  it('a Content-Length larger than the body sent gets 408 after the request deadline', async () => {
    const started = Date.now();
    const r = await exchange(`ANNOUNCE ${rtsp('live/x')} RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 500\r\n\r\nv=0\r\n`);
    expect(r.closed).toBe(true);
    expect(r.text).toMatch(/^RTSP\/1.0 408 /);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(codeLogged('RTSP_REQUEST_TIMEOUT')).toBe(true);
  });

  it('an interleaved frame on a channel no SETUP assigned closes the connection (RTSP_UNKNOWN_CHANNEL)', async () => {
    const r = await exchange(Buffer.from([0x24, 0x07, 0x00, 0x04, 1, 2, 3, 4]));
    expect(r.closed).toBe(true);
    expect(codeLogged('RTSP_UNKNOWN_CHANNEL')).toBe(true);
  });

  it('SETUP before ANNOUNCE or DESCRIBE gets 455', async () => {
    const r = await exchange(`SETUP ${rtsp('live/x')}/streamid=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record\r\n\r\n`, 500);
    expect(r.text).toMatch(/^RTSP\/1.0 455 /);
    expect(r.text).toMatch(/CSeq: 3/);
  });

  it('a request line that is not RTSP gets 400 (RTSP_BAD_START_LINE)', async () => {
    const r = await exchange('GARBAGE\r\n\r\n');
    expect(r.closed).toBe(true);
    expect(r.text).toMatch(/^RTSP\/1.0 400 /);
    expect(codeLogged('RTSP_BAD_START_LINE')).toBe(true);
  });

  it('an RTP flood on a UDP publisher\'s port is bounded and the stream recovers at the next keyframe', async () => {
    const pub = publishTestPattern(rtsp('live/udpflood'), { seconds: 10, gop: 10, format: 'rtsp', extraOutputArgs: ['-rtsp_transport', 'udp'] });
    try {
      await waitFor(() => t.logs.some((l) => l.event === 'rtsp.publish' && l.stream === 'udpflood'), 6000, 'the UDP publish');
      const ports = t.logs.find((l) => l.event === 'rtsp.publish' && l.stream === 'udpflood')!.rtpPorts as number[];
      const udp = createSocket('udp4');
      const heapBefore = process.memoryUsage().heapUsed;
      for (let i = 0; i < 20_000; i++) {
        const p = Buffer.alloc(200, i & 0xff);
        p[0] = i % 7 === 0 ? 0x00 : 0x80; // some not even RTP version 2
        p[1] = 96;
        p.writeUInt16BE((i * 7919) & 0xffff, 2);
        udp.send(p, ports[0], '127.0.0.1');
        if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
      }
      await new Promise((r) => setTimeout(r, 300));
      udp.close();
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
      // from a port that is not the publisher's: dropped before parsing (source latch), counted
      expect(t.logs.some((l) => l.event === 'rtsp.udp-dropped' && l.reason === 'port')).toBe(true);
      const r = await playAndCount(rtsp('live/udpflood'), { frames: 15, timeoutMs: 5000, inputArgs: ['-rtsp_transport', 'tcp'] });
      expect(r.videoFrames, r.stderr).toBeGreaterThanOrEqual(15);
    } finally {
      pub.kill('SIGKILL');
      await exited(pub);
    }
  }, 20000);

  it('the bystander publisher kept publishing and plays', async () => {
    expect(t.ingest.hub.isLive('live/bystander')).toBe(true);
    const r = await playAndCount(rtsp('live/bystander'), { frames: 10, timeoutMs: 5000, inputArgs: ['-rtsp_transport', 'tcp'] });
    expect(r.videoFrames, r.stderr).toBeGreaterThanOrEqual(10);
    const closes = t.logs.filter((l) => l.event === 'connection.close' && l.protocol === 'rtsp' && l.stream === 'bystander' && l.role === 'publisher');
    expect(closes).toEqual([]);
  }, 10000);
});
