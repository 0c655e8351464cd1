import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtspDecoder } from '#ingest/protocols/rtsp/rtsp-decoder.js';
import { getHeader, type RtspResponse } from '#ingest/protocols/rtsp/rtsp-message.js';
import { exited, playAndCount, publishTestPattern } from '../support/ffmpeg-runs.js';
import { startLocalStackForTest, waitFor, type LocalStackForTest } from '../support/local-stack-harness.js';

const ALICE = { name: 'alice12', password: 's3cret-pass', publish: ['cam1'], play: ['cam1'] };
let s: LocalStackForTest;
const rtsp = (path: string, creds = ''): string => `rtsp://${creds}127.0.0.1:${s.ingest.ports.rtsp}/${path}`;
const SDP = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam1\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:streamid=0\r\n';

beforeAll(async () => {
  s = await startLocalStackForTest({ users: [ALICE], authorizer: { failureDelayMs: 0 }, env: { STREAMGATE_RTP_PORTS: '32000-32999' } });
});
afterAll(async () => {
  await s?.close();
});

/** Sends one ANNOUNCE with `authorization` and returns the response. */
async function announce(authorization?: string, path = 'live/cam1'): Promise<RtspResponse> {
  const socket: Socket = connect(s.ingest.ports.rtsp, '127.0.0.1');
  const decoder = new RtspDecoder();
  try {
    const res = new Promise<RtspResponse>((resolve, reject) => {
      socket.on('data', (d) => {
        for (const u of decoder.push(d)) if (u.type === 'response') resolve(u);
      });
      socket.on('error', reject);
      socket.on('close', () => reject(new Error('closed without an answer')));
    });
    const auth = authorization ? `Authorization: ${authorization}\r\n` : '';
    socket.write(`ANNOUNCE ${rtsp(path)} RTSP/1.0\r\nCSeq: 1\r\n${auth}Content-Type: application/sdp\r\nContent-Length: ${SDP.length}\r\n\r\n${SDP}`);
    return await res;
  } finally {
    socket.destroy();
  }
}

const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('RTSP publish auth (Basic and Digest) through the local stack', () => {
  it('ANNOUNCE without credentials gets 401 offering Digest and Basic', async () => {
    const r = await announce();
    expect(r.status).toBe(401);
    const challenges = r.headers.filter(([k]) => k.toLowerCase() === 'www-authenticate').map(([, v]) => v);
    expect(challenges[0]).toMatch(/^Digest realm="streamgate", nonce="[0-9a-f]+\.[0-9a-f]{32}"/);
    expect(challenges[1]).toBe('Basic realm="streamgate"');
  });

  it('Basic credentials of a user with the grant are accepted; a wrong password gets 401', async () => {
    expect((await announce(basic(ALICE.name, 'wrong-password'))).status).toBe(401);
    const ok = await announce(basic(ALICE.name, ALICE.password));
    expect(ok.status).toBe(200);
  });

  it('a Digest answer to a nonce we never issued gets 401 again', async () => {
    const r = await announce(`Digest username="${ALICE.name}", realm="streamgate", nonce="abc.00000000000000000000000000000000", uri="${rtsp('live/cam1')}", response="00000000000000000000000000000000"`);
    expect(r.status).toBe(401);
  });

  it('a stream outside the user\'s grants is refused with 403', async () => {
    const r = await announce(basic(ALICE.name, ALICE.password), 'live/other');
    expect(r.status).toBe(403);
    expect(getHeader(r, 'CSeq')).toBe('1');
  });

  it('ffmpeg rtsp://user:pass@… publishes through the Digest challenge and plays back with the same credentials', async () => {
    const pub = publishTestPattern(rtsp('live/cam1', `${ALICE.name}:${ALICE.password}@`), { seconds: 8, format: 'rtsp', extraOutputArgs: ['-rtsp_transport', 'tcp'] });
    try {
      await waitFor(() => (s.ingest.hub.streamInfo('live/cam1')?.framesIn ?? 0) > 30, 6000, 'the Digest publish');
      expect(s.logs.some((l) => l.event === 'auth' && l.method === 'rtsp-digest' && l.allowed === true)).toBe(true);
      const r = await playAndCount(rtsp('live/cam1'), { frames: 10, timeoutMs: 5000, inputArgs: ['-rtsp_transport', 'tcp'] });
      expect(r.videoFrames, r.stderr).toBeGreaterThanOrEqual(10);
    } finally {
      pub.kill('SIGKILL');
      await exited(pub);
    }
    expect(s.allLogText()).not.toContain(ALICE.password);
  }, 20000);

  it('ffmpeg with a wrong password is refused and publishes nothing', async () => {
    const pub = publishTestPattern(rtsp('live/cam1', `${ALICE.name}:nope@`), { seconds: 3, format: 'rtsp', extraOutputArgs: ['-rtsp_transport', 'tcp'] });
    const code = await exited(pub);
    expect(code).not.toBe(0);
    expect(s.ingest.hub.isLive('live/cam1')).toBe(false);
    expect(s.logs.some((l) => l.event === 'auth' && l.method === 'rtsp-digest' && l.allowed === false && l.reason === 'bad_credentials')).toBe(true);
  }, 15000);
});

describe('RTSP play auth (STREAMGATE_PLAY_AUTH=required)', () => {
  let p: LocalStackForTest;
  beforeAll(async () => {
    p = await startLocalStackForTest({ users: [ALICE], authorizer: { failureDelayMs: 0 }, env: { STREAMGATE_PLAY_AUTH: 'required', STREAMGATE_RTP_PORTS: '34000-34999' } });
  });
  afterAll(async () => {
    await p?.close();
  });

  async function describeWith(path: string, authorization?: string): Promise<number> {
    const socket = connect(p.ingest.ports.rtsp, '127.0.0.1');
    const decoder = new RtspDecoder();
    try {
      return await new Promise<number>((resolve, reject) => {
        socket.on('data', (d) => {
          for (const u of decoder.push(d)) if (u.type === 'response') resolve(u.status);
        });
        socket.on('error', reject);
        const auth = authorization ? `Authorization: ${authorization}\r\n` : '';
        socket.write(`DESCRIBE rtsp://127.0.0.1:${p.ingest.ports.rtsp}/${path} RTSP/1.0\r\nCSeq: 2\r\n${auth}\r\n`);
      });
    } finally {
      socket.destroy();
    }
  }

  it('DESCRIBE without credentials gets 401, with a play grant reaches the stream lookup (404: not live), outside it 403', async () => {
    expect(await describeWith('live/cam1')).toBe(401);
    expect(await describeWith('live/cam1', basic(ALICE.name, ALICE.password))).toBe(404);
    expect(await describeWith('live/other', basic(ALICE.name, ALICE.password))).toBe(403);
  });
});
