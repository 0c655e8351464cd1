import { describe, expect, it } from 'vitest';
import { RtspClientSession, type RtspClientEvent } from '#ingest/protocols/rtsp/rtsp-client-session.js';
import { digestResponse, parseAuthorization } from '#ingest/protocols/rtsp/rtsp-auth.js';
import { RtspDecoder } from '#ingest/protocols/rtsp/rtsp-decoder.js';
import { encodeInterleavedFrame, encodeRtspResponse, getHeader, type RtspRequest } from '#ingest/protocols/rtsp/rtsp-message.js';

const SDP = [
  'v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=cam', 'c=IN IP4 0.0.0.0', 't=0 0',
  'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'a=fmtp:96 packetization-mode=1', 'a=control:trackID=0',
  'm=audio 0 RTP/AVP 97', 'a=rtpmap:97 MPEG4-GENERIC/44100/2', 'a=fmtp:97 streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1210', 'a=control:trackID=1',
  '',
].join('\r\n');

/** A scripted camera: answers each request, with a Digest challenge first. */
function camera(session: () => RtspClientSession, requests: RtspRequest[]) {
  const decoder = new RtspDecoder();
  let challenged = false;
  return (bytes: Uint8Array): void => {
    for (const unit of decoder.push(bytes)) {
      if (unit.type !== 'request') continue;
      requests.push(unit);
      const cseq = getHeader(unit, 'CSeq')!;
      const reply = (status: number, headers: [string, string][] = [], body = ''): void =>
        session().feed(encodeRtspResponse({ status, reason: status === 200 ? 'OK' : 'Unauthorized', headers: [['CSeq', cseq], ...headers], body: new TextEncoder().encode(body) }));
      const auth = getHeader(unit, 'Authorization');
      if (unit.method !== 'OPTIONS' && !challenged) {
        challenged = true;
        reply(401, [['WWW-Authenticate', 'Digest realm="cam", nonce="abc123", qop="auth"']]);
        continue;
      }
      if (unit.method !== 'OPTIONS') {
        const a = parseAuthorization(auth!);
        expect(a.scheme).toBe('digest');
        if (a.scheme === 'digest') expect(a.response).toBe(digestResponse({ username: 'admin', password: 'p@ss', realm: 'cam', nonce: 'abc123', method: unit.method, uri: a.uri, qop: 'auth', nc: a.nc, cnonce: a.cnonce }));
      }
      if (unit.method === 'OPTIONS') reply(200, [['Public', 'DESCRIBE, SETUP, PLAY']]);
      else if (unit.method === 'DESCRIBE') reply(200, [['Content-Base', 'rtsp://cam.example:554/stream1/'], ['Content-Type', 'application/sdp']], SDP);
      else if (unit.method === 'SETUP') reply(200, [['Session', 'S1;timeout=30'], ['Transport', getHeader(unit, 'Transport')!]]);
      else if (unit.method === 'PLAY') reply(200, [['Session', 'S1']]);
    }
  };
}

describe('RtspClientSession', () => {
  it('answers a Digest challenge with the URL credentials, sets up every track interleaved and plays; RTP comes out per track', () => {
    const events: RtspClientEvent[] = [];
    const requests: RtspRequest[] = [];
    const s: RtspClientSession = new RtspClientSession({
      url: 'rtsp://cam.example:554/stream1',
      username: 'admin',
      password: 'p@ss',
      transport: 'tcp',
      send: (d) => server(d),
      onEvent: (e) => events.push(e),
    });
    const server = camera(() => s, requests);
    s.start();
    expect(requests.map((r) => r.method)).toEqual(['OPTIONS', 'DESCRIBE', 'DESCRIBE', 'SETUP', 'SETUP', 'PLAY']);
    expect(requests[3]!.uri).toBe('rtsp://cam.example:554/stream1/trackID=0');
    expect(getHeader(requests[4]!, 'Transport')).toBe('RTP/AVP/TCP;unicast;interleaved=2-3');
    expect(getHeader(requests[5]!, 'Session')).toBe('S1');
    expect(events[0]).toMatchObject({ type: 'playing', sessionTimeoutS: 30 });
    expect((events[0] as unknown as { tracks: { codec: string }[] }).tracks.map((t) => t.codec)).toEqual(['h264', 'aac']);
    s.feed(encodeInterleavedFrame(2, Uint8Array.from([0x80, 97, 0, 1])));
    s.feed(encodeInterleavedFrame(1, Uint8Array.from([0x80, 200, 0, 0])));
    expect(events.slice(1)).toEqual([
      { type: 'rtp', track: 1, payload: Uint8Array.from([0x80, 97, 0, 1]) },
      { type: 'rtcp', track: 0, payload: Uint8Array.from([0x80, 200, 0, 0]) },
    ]);
  });

  it('reports wrong credentials (a second 401) as a rejection', () => {
    const events: RtspClientEvent[] = [];
    const s: RtspClientSession = new RtspClientSession({
      url: 'rtsp://cam.example/stream1',
      username: 'admin',
      password: 'wrong',
      transport: 'tcp',
      send: (d) => {
        const decoder = new RtspDecoder();
        for (const u of decoder.push(d)) {
          if (u.type !== 'request') continue;
          const cseq = getHeader(u, 'CSeq')!;
          const status = u.method === 'OPTIONS' ? 200 : 401;
          queueMicrotask(() => s.feed(encodeRtspResponse({ status, reason: status === 200 ? 'OK' : 'Unauthorized', headers: [['CSeq', cseq], ['WWW-Authenticate', 'Basic realm="cam"']], body: new Uint8Array(0) })));
        }
      },
      onEvent: (e) => events.push(e),
    });
    s.start();
    return new Promise<void>((resolve) =>
      setTimeout(() => {
        expect(events).toEqual([{ type: 'rejected', method: 'DESCRIBE', status: 401, reason: 'Unauthorized' }]);
        resolve();
      }, 20),
    );
  });
});
