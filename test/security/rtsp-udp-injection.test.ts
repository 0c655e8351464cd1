import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHeader } from '#ingest/protocols/rtsp/rtsp-message.js';
import { startTestIngest, type TestIngest } from '../support/ingest-harness.js';
import { RtspTestClient } from '../support/rtsp-test-client.js';
import { sleep, waitFor } from '../support/wait.js';

// RTSP over UDP: a publisher's RTP port is a public UDP port. Datagrams from its own address but
// another port, or with another SSRC, are an injection into a live publish: they are dropped and
// counted in /metrics (streamgate_rtsp_udp_dropped_total{reason}).

const SDP = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\nm=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/44100/2\r\na=fmtp:97 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1210\r\na=control:streamid=0\r\n';
const LEGIT_SSRC = 0x11111111;

let t: TestIngest;
const sockets: Socket[] = [];
beforeAll(async () => {
  t = await startTestIngest({ STREAMGATE_RTP_PORTS: '35000-35999' });
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await t?.close();
});

async function udp(): Promise<{ socket: Socket; port: number }> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { socket, port: socket.address().port };
}

/** One AAC access unit of 4 bytes in RTP (RFC 3640 AU header: 16 bits of headers, size 4 << 3). */
function aacPacket(seq: number, ssrc: number): Buffer {
  const p = Buffer.from([0x80, 0xe1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x10, 0x00, 0x20, 0x21, 0x10, 0x04, 0x60]);
  p.writeUInt16BE(seq, 2);
  p.writeUInt32BE(seq * 1024, 4);
  p.writeUInt32BE(ssrc, 8);
  return p;
}

/** ANNOUNCE + SETUP over UDP (with `client_port` when given) + RECORD; resolves with the server's RTP port. */
async function publishUdp(c: RtspTestClient, path: string, clientPort?: [number, number]): Promise<number> {
  const url = `rtsp://127.0.0.1:${t.ingest.ports.rtsp}/${path}`;
  expect((await c.request('ANNOUNCE', url, { 'Content-Type': 'application/sdp' }, SDP)).status).toBe(200);
  const transport = `RTP/AVP;unicast;${clientPort ? `client_port=${clientPort[0]}-${clientPort[1]};` : ''}mode=record`;
  const setup = await c.request('SETUP', `${url}/streamid=0`, { Transport: transport });
  expect(setup.status).toBe(200);
  const serverPort = Number(/server_port=(\d+)/.exec(getHeader(setup, 'Transport') ?? '')?.[1]);
  const session = getHeader(setup, 'Session')!.split(';')[0];
  expect((await c.request('RECORD', url, { Session: session })).status).toBe(200);
  return serverPort;
}

async function droppedCount(reason: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${t.ingest.ports.http}/metrics`)).text();
  const m = new RegExp(`^streamgate_rtsp_udp_dropped_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

const framesIn = (path: string): number => t.ingest.hub.streamInfo(path)?.framesIn ?? 0;

describe('RTSP UDP publish: only the publisher\'s latched ports and SSRC feed the stream', () => {
  it('with client_port: another port of the same host, or another SSRC from the right port, is dropped and counted', async () => {
    const rtp = await udp();
    const rtcp = await udp();
    const attacker = await udp();
    const c = new RtspTestClient(t.ingest.ports.rtsp);
    try {
      const serverRtp = await publishUdp(c, 'live/udpvictim', [rtp.port, rtcp.port]);
      for (let seq = 1; seq <= 5; seq++) rtp.socket.send(aacPacket(seq, LEGIT_SSRC), serverRtp, '127.0.0.1');
      await waitFor(() => framesIn('live/udpvictim') >= 5, 3000, 'the legitimate packets');
      const before = framesIn('live/udpvictim');
      const [portBefore, ssrcBefore] = [await droppedCount('port'), await droppedCount('ssrc')];
      for (let seq = 6; seq <= 10; seq++) attacker.socket.send(aacPacket(seq, LEGIT_SSRC), serverRtp, '127.0.0.1');
      for (let seq = 6; seq <= 10; seq++) rtp.socket.send(aacPacket(seq, 0x22222222), serverRtp, '127.0.0.1');
      await sleep(300);
      expect(framesIn('live/udpvictim')).toBe(before);
      expect((await droppedCount('port')) - portBefore).toBe(5);
      expect((await droppedCount('ssrc')) - ssrcBefore).toBe(5);
      // the publisher itself goes on
      rtp.socket.send(aacPacket(6, LEGIT_SSRC), serverRtp, '127.0.0.1');
      await waitFor(() => framesIn('live/udpvictim') > before, 3000, 'the publisher\'s next packet');
      expect(t.logs.some((l) => l.event === 'rtsp.udp-dropped')).toBe(true);
    } finally {
      c.close();
    }
  });

  it('without client_port: the first packet latches its source port, later packets from other ports are dropped', async () => {
    const first = await udp();
    const other = await udp();
    const c = new RtspTestClient(t.ingest.ports.rtsp);
    try {
      const serverRtp = await publishUdp(c, 'live/udpnoport');
      first.socket.send(aacPacket(1, LEGIT_SSRC), serverRtp, '127.0.0.1');
      await waitFor(() => framesIn('live/udpnoport') >= 2, 3000, 'the first packet');
      const before = framesIn('live/udpnoport');
      for (let seq = 2; seq <= 6; seq++) other.socket.send(aacPacket(seq, LEGIT_SSRC), serverRtp, '127.0.0.1');
      await sleep(300);
      expect(framesIn('live/udpnoport')).toBe(before);
      first.socket.send(aacPacket(2, LEGIT_SSRC), serverRtp, '127.0.0.1');
      await waitFor(() => framesIn('live/udpnoport') > before, 3000, 'the latched source\'s next packet');
    } finally {
      c.close();
    }
  });
});
