import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtspDecoder } from '#ingest/protocols/rtsp/rtsp-decoder.js';
import { getHeader, type RtspResponse } from '#ingest/protocols/rtsp/rtsp-message.js';
import { exited, publishTestPattern } from '../support/ffmpeg-runs.js';
import { startTestIngest, type TestIngest } from '../support/ingest-harness.js';
import { waitFor } from '../support/local-stack-harness.js';
import { sleep } from '../support/wait.js';

/** One received interleaved RTP packet: channel, sequence number, timestamp, arrival time. */
interface Received {
  readonly channel: number;
  readonly seq: number;
  readonly ts: number;
  readonly at: number;
}

/** A scripted RTSP client over TCP that records every interleaved RTP packet it receives. */
class Client {
  private readonly socket: Socket;
  private readonly decoder = new RtspDecoder();
  private waiting: ((r: RtspResponse) => void) | undefined;
  private cseq = 0;
  readonly rtp: Received[] = [];
  closed = false;
  closedAt = 0;
  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (d) => {
      for (const u of this.decoder.push(d)) {
        if (u.type === 'interleaved') {
          // even channels carry RTP (RFC 2326 §10.12: interleaved=0-1, 2-3)
          if (u.channel % 2 === 0 && u.payload.length >= 12) {
            const v = new DataView(u.payload.buffer, u.payload.byteOffset, u.payload.byteLength);
            this.rtp.push({ channel: u.channel, seq: v.getUint16(2), ts: v.getUint32(4), at: Date.now() });
          }
        } else if (u.type === 'response' && this.waiting) {
          const w = this.waiting;
          this.waiting = undefined;
          w(u);
        }
      }
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closed = true;
      this.closedAt = Date.now();
    });
  }
  request(method: string, uri: string, headers: Record<string, string> = {}, body = ''): Promise<RtspResponse> {
    const all = { CSeq: String(++this.cseq), ...headers, ...(body ? { 'Content-Length': String(body.length) } : {}) };
    const h = Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    this.socket.write(`${method} ${uri} RTSP/1.0\r\n${h}\r\n${body}`);
    return new Promise((r) => (this.waiting = r));
  }
  close(): void {
    this.socket.destroy();
  }
}

/** DESCRIBE and SETUP every track of `url` over TCP interleaved channels 0-1, 2-3, …; returns the session id. */
async function setUpAll(c: Client, url: string): Promise<{ session: string; timeout: string | undefined; tracks: number }> {
  const d = await c.request('DESCRIBE', url, { Accept: 'application/sdp' });
  expect(d.status).toBe(200);
  const controls = [...new TextDecoder().decode(d.body).matchAll(/^a=control:(\S+)$/gm)].map((m) => m[1]).filter((x) => x !== '*');
  expect(controls.length).toBe(2);
  let session: string | undefined;
  let timeout: string | undefined;
  for (const [i, control] of controls.entries()) {
    const uri = control.startsWith('rtsp://') ? control : `${url}/${control}`;
    const s = await c.request('SETUP', uri, { Transport: `RTP/AVP/TCP;unicast;interleaved=${2 * i}-${2 * i + 1}`, ...(session ? { Session: session } : {}) });
    expect(s.status).toBe(200);
    const header = getHeader(s, 'Session')!;
    session = header.split(';')[0];
    timeout = /timeout=(\d+)/.exec(header)?.[1];
  }
  return { session: session!, timeout, tracks: controls.length };
}

describe('RTSP PAUSE and PLAY with a live ffmpeg publish', () => {
  let t: TestIngest;
  beforeAll(async () => {
    t = await startTestIngest({ STREAMGATE_LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('PAUSE stops the RTP flow; PLAY resumes it with sequence numbers and timestamps continuing forward on every track', async () => {
    const pub = publishTestPattern(t.rtmpUrl('live/pause'), { seconds: 10, gop: 25 });
    const url = `rtsp://127.0.0.1:${t.ingest.ports.rtsp}/live/pause`;
    const c = new Client(t.ingest.ports.rtsp);
    try {
      await waitFor(() => (t.ingest.hub.streamInfo('live/pause')?.framesIn ?? 0) > 10, 6000, 'the publish');
      const { session } = await setUpAll(c, url);
      expect((await c.request('PLAY', url, { Session: session })).status).toBe(200);
      await waitFor(() => c.rtp.filter((p) => p.channel === 0).length > 20, 4000, 'video RTP before PAUSE');

      expect((await c.request('PAUSE', url, { Session: session })).status).toBe(200);
      await sleep(150); // what was already in flight
      const pausedAt = c.rtp.length;
      await sleep(700);
      expect(c.rtp.length - pausedAt).toBe(0);
      const beforeResume = new Map<number, Received>();
      for (const p of c.rtp) beforeResume.set(p.channel, p);
      expect(beforeResume.size).toBe(2);

      const played = await c.request('PLAY', url, { Session: session });
      expect(played.status).toBe(200);
      // RTP-Info names each track's next sequence number: the one after the last sent before PAUSE
      const infoSeqs = [...(getHeader(played, 'RTP-Info') ?? '').matchAll(/seq=(\d+)/g)].map((m) => Number(m[1]));
      expect(infoSeqs.sort()).toEqual([...beforeResume.values()].map((p) => (p.seq + 1) & 0xffff).sort());
      await waitFor(() => c.rtp.length - pausedAt > 40, 4000, 'RTP after the second PLAY');

      for (const [channel, last] of beforeResume) {
        const after = c.rtp.slice(pausedAt).filter((p) => p.channel === channel);
        expect(after.length, `channel ${channel}`).toBeGreaterThan(0);
        expect(after[0].seq, `channel ${channel} sequence`).toBe((last.seq + 1) & 0xffff);
        // RTP timestamps never step back across PAUSE (signed 32-bit distance, RFC 3550 §5.1)
        for (const p of after) expect((p.ts - last.ts) | 0, `channel ${channel} timestamp`).toBeGreaterThanOrEqual(0);
      }
      expect(c.closed).toBe(false);
    } finally {
      c.close();
      pub.kill('SIGKILL');
      await exited(pub);
    }
  }, 20000);
});

describe('RTSP session timeout (STREAMGATE_RTSP_SESSION_TIMEOUT_MS)', () => {
  let t: TestIngest;
  beforeAll(async () => {
    t = await startTestIngest({ STREAMGATE_LOG_LEVEL: 'info', STREAMGATE_RTSP_SESSION_TIMEOUT_MS: '1000', STREAMGATE_IDLE_TIMEOUT_MS: '60000' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a session announces timeout=1 and is closed about a second after its last request', async () => {
    const pub = publishTestPattern(t.rtmpUrl('live/quiet'), { seconds: 10 });
    const c = new Client(t.ingest.ports.rtsp);
    try {
      await waitFor(() => (t.ingest.hub.streamInfo('live/quiet')?.framesIn ?? 0) > 10, 6000, 'the publish');
      const { timeout } = await setUpAll(c, `rtsp://127.0.0.1:${t.ingest.ports.rtsp}/live/quiet`);
      expect(timeout).toBe('1');
      const lastRequestAt = Date.now();
      await waitFor(() => c.closed, 3000, 'the silent session to be closed');
      const after = c.closedAt - lastRequestAt;
      expect(after).toBeGreaterThanOrEqual(900);
      expect(after).toBeLessThan(2000);
      expect(t.logs.some((l) => l.event === 'connection.close' && l.protocol === 'rtsp' && l.reason === 'session-timeout')).toBe(true);
    } finally {
      c.close();
      pub.kill('SIGKILL');
      await exited(pub);
    }
  }, 15000);

  it('keep-alive requests hold a session open past the timeout', async () => {
    const c = new Client(t.ingest.ports.rtsp);
    try {
      for (let i = 0; i < 5; i++) {
        expect((await c.request('OPTIONS', '*')).status).toBe(200);
        await sleep(500);
      }
      expect(c.closed).toBe(false);
      await waitFor(() => c.closed, 3000, 'the session to be closed once quiet');
    } finally {
      c.close();
    }
  }, 15000);

  it('a silent RTSP publisher is closed after the timeout and its stream ends', async () => {
    const c = new Client(t.ingest.ports.rtsp);
    const url = `rtsp://127.0.0.1:${t.ingest.ports.rtsp}/live/silentpub`;
    const sdp = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=Sess\r\nt=0 0\r\nm=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/44100/2\r\na=fmtp:97 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1210\r\na=control:streamid=0\r\n';
    try {
      expect((await c.request('ANNOUNCE', url, { 'Content-Type': 'application/sdp' }, sdp)).status).toBe(200);
      const setup = await c.request('SETUP', `${url}/streamid=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record' });
      const session = getHeader(setup, 'Session')!.split(';')[0];
      expect((await c.request('RECORD', url, { Session: session })).status).toBe(200);
      expect(t.ingest.hub.streamInfo('live/silentpub')).toBeDefined();
      await waitFor(() => c.closed, 3000, 'the silent publisher to be closed');
      await waitFor(() => t.ingest.hub.streamInfo('live/silentpub') === undefined, 1000, 'the stream to end');
    } finally {
      c.close();
    }
  }, 15000);
});
