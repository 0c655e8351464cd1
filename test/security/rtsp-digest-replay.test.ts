import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDigestAuthorization } from '#ingest/protocols/rtsp/rtsp-auth.js';
import { startLocalStackForTest, type LocalStackForTest } from '../support/local-stack-harness.js';
import { digestNonceOf, RtspTestClient } from '../support/rtsp-test-client.js';

// An RTSP Digest Authorization header, once seen (sniffed on the wire, logged by a proxy), must
// not open anything else: not the same request on another connection, not another Request-URI,
// not the same nonce count twice. Play auth is on so DESCRIBE is authorized on every request
// (404 below means "authorized, stream not live").

const ALICE = { name: 'alice12', password: 's3cret-pass', publish: ['cam1', 'cam2'], play: ['cam1', 'cam2'] };
const SDP = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam1\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:streamid=0\r\n';
let s: LocalStackForTest;
const url = (path: string): string => `rtsp://127.0.0.1:${s.ingest.ports.rtsp}/${path}`;
const digest = (method: string, uri: string, nonce: string, extra: { qop?: string; nc?: string; cnonce?: string } = {}): string =>
  formatDigestAuthorization({ username: ALICE.name, password: ALICE.password, realm: 'streamgate', nonce, method, uri, ...extra });

beforeAll(async () => {
  s = await startLocalStackForTest({ users: [ALICE], authorizer: { failureDelayMs: 0 }, env: { STREAMGATE_PLAY_AUTH: 'required' } });
});
afterAll(async () => {
  await s?.close();
});

describe('RTSP Digest cannot be replayed', () => {
  it('an Authorization header accepted on one connection is refused on another (fresh challenge)', async () => {
    const a = new RtspTestClient(s.ingest.ports.rtsp);
    const b = new RtspTestClient(s.ingest.ports.rtsp);
    try {
      const nonce = digestNonceOf(await a.request('ANNOUNCE', url('live/cam1'), { 'Content-Type': 'application/sdp' }, SDP));
      const header = digest('ANNOUNCE', url('live/cam1'), nonce);
      expect((await a.request('ANNOUNCE', url('live/cam1'), { 'Content-Type': 'application/sdp', Authorization: header }, SDP)).status).toBe(200);
      a.close();
      const replay = await b.request('ANNOUNCE', url('live/cam1'), { 'Content-Type': 'application/sdp', Authorization: header }, SDP);
      expect(replay.status).toBe(401);
      expect(digestNonceOf(replay)).not.toBe(nonce);
    } finally {
      a.close();
      b.close();
    }
  });

  it('credentials computed for one Request-URI are refused for another', async () => {
    const c = new RtspTestClient(s.ingest.ports.rtsp);
    try {
      const nonce = digestNonceOf(await c.request('DESCRIBE', url('live/cam1')));
      expect((await c.request('DESCRIBE', url('live/cam1'), { Authorization: digest('DESCRIBE', url('live/cam1'), nonce) })).status).toBe(404);
      // a valid answer for cam1, sent with a request for cam2
      expect((await c.request('DESCRIBE', url('live/cam2'), { Authorization: digest('DESCRIBE', url('live/cam1'), nonce) })).status).toBe(401);
      expect((await c.request('DESCRIBE', url('live/cam2'), { Authorization: digest('DESCRIBE', url('live/cam2'), nonce) })).status).toBe(404);
    } finally {
      c.close();
    }
  });

  it('with qop=auth a nonce count is accepted once per nonce, and only increasing', async () => {
    const c = new RtspTestClient(s.ingest.ports.rtsp);
    try {
      const nonce = digestNonceOf(await c.request('DESCRIBE', url('live/cam1')));
      const withNc = (nc: string): Record<string, string> => ({ Authorization: digest('DESCRIBE', url('live/cam1'), nonce, { qop: 'auth', nc, cnonce: 'abcdef01' }) });
      expect((await c.request('DESCRIBE', url('live/cam1'), withNc('00000001'))).status).toBe(404);
      expect((await c.request('DESCRIBE', url('live/cam1'), withNc('00000001'))).status).toBe(401);
      expect((await c.request('DESCRIBE', url('live/cam1'), withNc('00000002'))).status).toBe(404);
    } finally {
      c.close();
    }
  });
});
