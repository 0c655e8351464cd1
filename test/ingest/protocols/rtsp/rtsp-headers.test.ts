import { describe, expect, it } from 'vitest';
import { DigestNonceCounts, digestResponse, digestUriMatches, formatDigestAuthorization, formatWwwAuthenticate, parseAuthorization, verifyDigest } from '#ingest/protocols/rtsp/rtsp-auth.js';
import { formatNptRange, formatRtpInfo, formatSessionHeader, parseSessionHeader } from '#ingest/protocols/rtsp/rtsp-session-header.js';
import { formatTransport, parseTransport, type RtspTransport } from '#ingest/protocols/rtsp/rtsp-transport.js';
import { seededRandom } from '#test/support/feeding.js';
import { expectCode } from '#test/support/expect-code.js';

const transports: { name: string; text: string; decoded: RtspTransport }[] = [
  {
    name: 'ffmpeg publishing over TCP',
    text: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record',
    decoded: { protocol: 'tcp', delivery: 'unicast', interleaved: [0, 1], mode: 'record' },
  },
  {
    name: 'ffmpeg publishing over UDP',
    text: 'RTP/AVP;unicast;client_port=16384-16385;mode=record',
    decoded: { protocol: 'udp', delivery: 'unicast', clientPort: [16384, 16385], mode: 'record' },
  },
  {
    name: 'server answer for UDP play',
    text: 'RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971;ssrc=0000ABCD',
    decoded: { protocol: 'udp', delivery: 'unicast', clientPort: [5000, 5001], serverPort: [6970, 6971], ssrc: 0xabcd },
  },
];

describe('Transport header', () => {
  for (const t of transports) {
    it(`parses ${t.name}`, () => {
      expect(parseTransport(t.text)).toEqual([t.decoded]);
    });
    it(`formats ${t.name}`, () => {
      expect(formatTransport(t.decoded)).toBe(t.text);
    });
  }

  it('parses a list of alternatives and ignores unknown parameters', () => {
    expect(parseTransport('RTP/AVP/TCP;interleaved=2-3;x-foo=1, RTP/AVP;client_port=9000')).toEqual([
      { protocol: 'tcp', delivery: 'unicast', interleaved: [2, 3] },
      { protocol: 'udp', delivery: 'unicast', clientPort: [9000, 9001] },
    ]);
  });

  it('refuses other transports and out-of-range ports', () => {
    expectCode(() => parseTransport('RAW/RAW/UDP;unicast'), 'RTSP_BAD_TRANSPORT');
    expectCode(() => parseTransport('RTP/AVP;client_port=70000-70001'), 'RTSP_BAD_TRANSPORT');
    expectCode(() => parseTransport('RTP/AVP/TCP;interleaved=256-257'), 'RTSP_BAD_TRANSPORT');
  });
});

describe('Session, Range and RTP-Info headers', () => {
  it('parses and formats a Session header with timeout', () => {
    expect(parseSessionHeader('12345678;timeout=60')).toEqual({ id: '12345678', timeout: 60 });
    expect(parseSessionHeader(' abcdef ')).toEqual({ id: 'abcdef' });
    expect(formatSessionHeader({ id: '12345678', timeout: 60 })).toBe('12345678;timeout=60');
    expectCode(() => parseSessionHeader('bad id'), 'RTSP_BAD_SESSION');
  });

  it('formats npt ranges and RTP-Info', () => {
    expect(formatNptRange(0)).toBe('npt=0.000-');
    expect(formatNptRange(1.5, 10)).toBe('npt=1.500-10.000');
    expect(formatRtpInfo([{ url: 'rtsp://h/a/trackID=0', seq: 1, rtptime: 2 ** 32 + 5 }, { url: 'rtsp://h/a/trackID=1' }])).toBe('url=rtsp://h/a/trackID=0;seq=1;rtptime=5,url=rtsp://h/a/trackID=1');
  });
});

describe('Authorization', () => {
  it('parses Basic credentials', () => {
    expect(parseAuthorization('Basic ' + Buffer.from('alice:se:cret').toString('base64'))).toEqual({ scheme: 'basic', username: 'alice', password: 'se:cret' });
  });

  // RFC 2617 §3.5 example, with the HTTP method and URI it uses
  const rfc = {
    username: 'Mufasa',
    password: 'Circle Of Life',
    realm: 'testrealm@host.com',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    method: 'GET',
    uri: '/dir/index.html',
    qop: 'auth',
    nc: '00000001',
    cnonce: '0a4f113b',
  };

  it('computes the RFC 2617 example response with qop=auth', () => {
    expect(digestResponse(rfc)).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('computes the RFC 2069 response without qop', () => {
    // md5(md5("Mufasa:testrealm@host.com:Circle Of Life"):nonce:md5("GET:/dir/index.html")), checked with Python hashlib
    expect(digestResponse({ ...rfc, qop: undefined })).toBe('670fd8c2df070c60b045671b8b24ff02');
  });

  it('parses the Digest header ffmpeg sends and verifies it', () => {
    const header = formatDigestAuthorization({ ...rfc, method: 'ANNOUNCE', uri: 'rtsp://127.0.0.1:5554/flvplayback', qop: undefined, opaque: 'op' });
    const auth = parseAuthorization(header);
    expect(auth).toMatchObject({ scheme: 'digest', username: 'Mufasa', realm: 'testrealm@host.com', uri: 'rtsp://127.0.0.1:5554/flvplayback', opaque: 'op' });
    if (auth.scheme !== 'digest') throw new Error('digest expected');
    expect(verifyDigest(auth, 'Circle Of Life', 'ANNOUNCE')).toBe(true);
    expect(verifyDigest(auth, 'wrong', 'ANNOUNCE')).toBe(false);
    expect(verifyDigest(auth, 'Circle Of Life', 'RECORD')).toBe(false);
  });

  it('verifies qop=auth credentials', () => {
    const auth = parseAuthorization(formatDigestAuthorization({ ...rfc, method: 'DESCRIBE', uri: 'rtsp://h/live/a' }));
    if (auth.scheme !== 'digest') throw new Error('digest expected');
    expect(auth).toMatchObject({ qop: 'auth', nc: '00000001', cnonce: '0a4f113b' });
    expect(verifyDigest(auth, rfc.password, 'DESCRIBE')).toBe(true);
  });

  it('a Digest uri matches only its own Request-URI (whole URL or its absolute path)', () => {
    const req = 'rtsp://127.0.0.1:5554/live/cam1?x=1';
    expect(digestUriMatches(req, req)).toBe(true);
    expect(digestUriMatches('/live/cam1?x=1', req)).toBe(true);
    expect(digestUriMatches('rtsp://127.0.0.1:5554/live/cam2', req)).toBe(false);
    expect(digestUriMatches('/live/cam1', req)).toBe(false);
    expect(digestUriMatches('/', 'rtsp://h')).toBe(true);
    expect(digestUriMatches('*', req)).toBe(false);
  });

  it('a nonce count is accepted once and only above the last one of its nonce', () => {
    const counts = new DigestNonceCounts();
    expect(counts.accept('n1', '00000001')).toBe(true);
    expect(counts.accept('n1', '00000001')).toBe(false);
    expect(counts.accept('n1', '00000003')).toBe(true);
    expect(counts.accept('n1', '00000002')).toBe(false);
    expect(counts.accept('n2', '00000001')).toBe(true);
    for (const bad of [undefined, '', '1', 'zzzzzzzz', '000000001']) expect(counts.accept('n3', bad)).toBe(false);
  });

  it('formats Basic and Digest challenges', () => {
    expect(formatWwwAuthenticate({ scheme: 'basic', realm: 'streamgate' })).toBe('Basic realm="streamgate"');
    expect(formatWwwAuthenticate({ scheme: 'digest', realm: 'streamgate', nonce: 'abc', qop: 'auth' })).toBe('Digest realm="streamgate", nonce="abc", qop="auth"');
  });

  it('refuses malformed credentials with RTSP_BAD_AUTHORIZATION', () => {
    expectCode(() => parseAuthorization('Basic !!!'), 'RTSP_BAD_AUTHORIZATION');
    expectCode(() => parseAuthorization('Digest username="a", realm="b"'), 'RTSP_BAD_AUTHORIZATION');
    expectCode(() => parseAuthorization('Digest username="a'), 'RTSP_BAD_AUTHORIZATION');
    expectCode(() => parseAuthorization('Bearer x'), 'RTSP_BAD_AUTHORIZATION');
  });

  it('only ever raises ProtocolError on mutated header values', () => {
    const rand = seededRandom(3);
    const inputs = [formatDigestAuthorization(rfc), 'Basic YWxpY2U6c2VjcmV0', ...transports.map((t) => t.text), '1234;timeout=60'];
    for (const input of inputs) {
      for (let i = 0; i < 300; i++) {
        const chars = [...input];
        for (let k = 0; k < 3; k++) chars[Math.floor(rand() * chars.length)] = String.fromCharCode(32 + Math.floor(rand() * 95));
        const s = chars.join('');
        for (const fn of [parseAuthorization, parseTransport, parseSessionHeader]) {
          try {
            fn(s);
          } catch (err) {
            expect((err as Error).name).toBe('ProtocolError');
          }
        }
      }
    }
  });
});
