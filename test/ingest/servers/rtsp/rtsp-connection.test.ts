import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtspDecoder } from '#ingest/protocols/rtsp/rtsp-decoder.js';
import { getHeader, type RtspResponse } from '#ingest/protocols/rtsp/rtsp-message.js';
import { startTestIngest, type TestIngest } from '#test/support/ingest-harness.js';
import { waitFor } from '#test/support/local-stack-harness.js';
import { recordReadEndWrites } from '#test/support/record-read-end-writes.js';

let t: TestIngest;
beforeAll(async () => {
  t = await startTestIngest({ STREAMGATE_RTSP_PORTS: '0,0' });
});
afterAll(async () => {
  await t?.close();
});

/** A scripted RTSP client: one request at a time, answers in order. */
class Client {
  private readonly socket: Socket;
  private readonly decoder = new RtspDecoder();
  private readonly answers: RtspResponse[] = [];
  private waiting: ((r: RtspResponse) => void) | undefined;
  private cseq = 0;
  closed = false;
  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (d) => {
      for (const u of this.decoder.push(d)) {
        if (u.type !== 'response') continue;
        if (this.waiting) {
          const w = this.waiting;
          this.waiting = undefined;
          w(u);
        } else this.answers.push(u);
      }
    });
    this.socket.on('close', () => (this.closed = true));
  }
  request(method: string, uri: string, headers: Record<string, string> = {}, body = ''): Promise<RtspResponse> {
    const h = Object.entries({ CSeq: String(++this.cseq), ...headers, ...(body ? { 'Content-Length': String(body.length) } : {}) })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    this.socket.write(`${method} ${uri} RTSP/1.0\r\n${h}\r\n${body}`);
    const ready = this.answers.shift();
    return ready ? Promise.resolve(ready) : new Promise((r) => (this.waiting = r));
  }
  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }
  close(): void {
    this.socket.destroy();
  }
}

const SDP = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=Sess\r\nt=0 0\r\nm=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/44100/2\r\na=fmtp:97 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1210\r\na=control:streamid=0\r\n';

describe('RtspConnection session lifecycle (scripted client)', () => {
  it('both configured RTSP ports answer OPTIONS with the method list', async () => {
    for (const name of ['rtsp', 'rtsp2']) {
      const c = new Client(t.ingest.ports[name]);
      const r = await c.request('OPTIONS', '*');
      expect(r.status).toBe(200);
      expect(getHeader(r, 'Public')).toContain('ANNOUNCE');
      c.close();
    }
  });

  it('ANNOUNCE, SETUP, RECORD publish; GET_PARAMETER keeps alive; a wrong Session gets 454; TEARDOWN ends the stream', async () => {
    const url = `rtsp://127.0.0.1:${t.ingest.ports.rtsp}/live/scripted`;
    const c = new Client(t.ingest.ports.rtsp);
    expect((await c.request('ANNOUNCE', url, { 'Content-Type': 'application/sdp' }, SDP)).status).toBe(200);
    const setup = await c.request('SETUP', `${url}/streamid=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=4-5;mode=record' });
    expect(setup.status).toBe(200);
    expect(getHeader(setup, 'Transport')).toBe('RTP/AVP/TCP;unicast;interleaved=4-5;mode=record');
    const session = getHeader(setup, 'Session')!;
    expect(session).toMatch(/^[0-9a-f]{16};timeout=60$/);
    const id = session.split(';')[0];
    expect((await c.request('RECORD', url, { Session: id })).status).toBe(200);
    // one AAC access unit (RFC 3640 AU header: 16 bits of headers, size 4 << 3)
    const rtp = Uint8Array.from([0x80, 0xe1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0x00, 0x10, 0x00, 0x20, 0x21, 0x10, 0x04, 0x60]);
    c.send(Uint8Array.from([0x24, 4, 0, rtp.length, ...rtp]));
    await waitFor(() => (t.ingest.hub.streamInfo('live/scripted')?.framesIn ?? 0) >= 2, 2000, 'the AAC config and frame');
    expect(t.ingest.hub.streamInfo('live/scripted')?.audio).toEqual({ codec: 'aac', sampleRate: 44100, channels: 2 });
    expect((await c.request('GET_PARAMETER', url, { Session: id })).status).toBe(200);
    expect((await c.request('GET_PARAMETER', url, { Session: 'ffffffffffffffff' })).status).toBe(454);
    expect((await c.request('TEARDOWN', url, { Session: id })).status).toBe(200);
    await waitFor(() => !t.ingest.hub.isLive('live/scripted'), 2000, 'the stream to end');
    c.close();
  });

  it("a publisher's frames reach the hub's readers at the end of the socket read that brought them (no loop turn)", async () => {
    const recorder = recordReadEndWrites(t.ingest.hub, 'live/readend');
    const c = new Client(t.ingest.ports.rtsp);
    try {
      const url = `rtsp://127.0.0.1:${t.ingest.ports.rtsp}/live/readend`;
      expect((await c.request('ANNOUNCE', url, { 'Content-Type': 'application/sdp' }, SDP)).status).toBe(200);
      const id = getHeader(await c.request('SETUP', `${url}/streamid=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record' }), 'Session')!.split(';')[0]!;
      expect((await c.request('RECORD', url, { Session: id })).status).toBe(200);
      const rtp = Uint8Array.from([0x80, 0xe1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0x00, 0x10, 0x00, 0x20, 0x21, 0x10, 0x04, 0x60]);
      c.send(Uint8Array.from([0x24, 0, 0, rtp.length, ...rtp]));
      await waitFor(() => recorder.written.some((w) => w.kind === 'audio'), 2000, 'the AAC frame');
      // Before, it waited for a setImmediate turn of the hub.
      expect(recorder.written.filter((w) => w.kind === 'audio')).toEqual([{ kind: 'audio', inReadEnd: true }]);
    } finally {
      c.close();
      recorder.stop();
    }
  });

  it('a publisher\'s access unit being reassembled counts in the pending-bytes budget and is given back at the end', async () => {
    // Before, RTSP publishers' RTP reassembly was bounded on its own only and the budget read 0.
    const url = `rtsp://127.0.0.1:${t.ingest.ports.rtsp}/live/bigframe`;
    const sdp = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=Sess\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\na=control:streamid=0\r\n';
    const c = new Client(t.ingest.ports.rtsp);
    expect((await c.request('ANNOUNCE', url, { 'Content-Type': 'application/sdp' }, sdp)).status).toBe(200);
    const setup = await c.request('SETUP', `${url}/streamid=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record' });
    const id = getHeader(setup, 'Session')!.split(';')[0]!;
    expect((await c.request('RECORD', url, { Session: id })).status).toBe(200);
    const before = t.ingest.context.pendingBytes.used;
    // 200 FU-A fragments of one IDR slice, never ended: 280 KB held for the access unit.
    for (let i = 0; i < 200; i++) {
      const rtp = new Uint8Array(12 + 2 + 1400);
      rtp.set([0x80, 96, (i >> 8) & 0xff, i & 0xff, 0, 0, 0x10, 0, 0, 0, 0, 7]);
      rtp.set([0x7c, i === 0 ? 0x85 : 0x05], 12);
      c.send(Uint8Array.from([0x24, 0, rtp.length >> 8, rtp.length & 0xff, ...rtp]));
    }
    await waitFor(() => t.ingest.context.pendingBytes.used - before >= 200 * 1400, 3000, 'the fragments to be counted');
    c.close();
    await waitFor(() => t.ingest.context.pendingBytes.used === before, 3000, 'the bytes given back');
  });

  it('an ANNOUNCE whose SDP has no track we carry gets 415', async () => {
    const c = new Client(t.ingest.ports.rtsp);
    const sdp = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
    const r = await c.request('ANNOUNCE', `rtsp://127.0.0.1:${t.ingest.ports.rtsp}/live/pcmu`, { 'Content-Type': 'application/sdp' }, sdp);
    expect(r.status).toBe(415);
    c.close();
  });

  it('every RTSP connection is in the registry under protocol rtsp until it closes', async () => {
    const c = new Client(t.ingest.ports.rtsp);
    await c.request('OPTIONS', '*');
    expect(t.ingest.registry.list().some((e) => e.protocol === 'rtsp')).toBe(true);
    c.close();
    await waitFor(() => !t.ingest.registry.list().some((e) => e.protocol === 'rtsp'), 2000, 'the registry entry to go');
  });
});
