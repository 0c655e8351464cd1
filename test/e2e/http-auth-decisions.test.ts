import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthDecision, AuthReason, AuthorizeRequest, Authorizer } from '#ingest/auth/authorizer.js';
import { publishLive, stopProcess } from '../support/ffmpeg-runs.js';
import { startTestIngest, type TestIngest } from '../support/ingest-harness.js';
import { waitFor } from '../support/local-stack-harness.js';

/**
 * A scripted authorizer: the user name picks the decision (`allowed`, or a denial reason), so every
 * mapping of a decision to an HTTP answer is checked without the functions; `recheck` answers
 * `revoked ? denied : allowed`.
 */
const asked: AuthorizeRequest[] = [];
let revoked = false;
const authorizer: Authorizer = {
  connect: () => Promise.resolve({ kind: 'reject', description: 'unused', reason: 'bad_request' }),
  authorize: (req) => {
    asked.push(req);
    const user = req.credentials.kind === 'none' ? undefined : req.credentials.user;
    const reason: AuthReason = user === undefined ? 'no_credentials' : user.startsWith('ok') ? 'allowed' : (user as AuthReason);
    const d: AuthDecision =
      reason === 'allowed'
        ? { allowed: true, reason, stream: req.stream, user, recheckAtMs: Date.now() + (user === 'ok-short' ? 300 : 60_000) }
        : { allowed: false, reason, stream: req.stream };
    return Promise.resolve(d);
  },
  recheck: (req) => Promise.resolve(revoked ? { allowed: false, reason: 'stream_not_allowed', stream: req.stream } : { allowed: true, reason: 'allowed', stream: req.stream, recheckAtMs: Date.now() + 300 }),
};

let t: TestIngest;
let publisher: ChildProcess;
let base: string;

beforeAll(async () => {
  t = await startTestIngest({ STREAMGATE_PLAY_AUTH: 'required', STREAMGATE_LOG_LEVEL: 'info' }, { authorizer });
  base = `http://127.0.0.1:${t.ingest.ports.http}`;
  publisher = await publishLive(t.rtmpUrl('live/cam1'), t.ingest.hub, 'live/cam1', { gop: 25 });
}, 30_000);

afterAll(async () => {
  await stopProcess(publisher);
  await t?.close();
});

describe('HTTP play decisions map to one status each', () => {
  it.each([
    ['no_credentials', 401, 'HTTP_PLAY_UNAUTHORIZED'],
    ['bad_credentials', 401, 'HTTP_PLAY_UNAUTHORIZED'],
    ['stream_not_allowed', 403, 'HTTP_PLAY_FORBIDDEN'],
    ['throttled', 429, 'HTTP_PLAY_THROTTLED'],
    ['service_unavailable', 503, 'HTTP_AUTH_UNAVAILABLE'],
    ['timeout', 503, 'HTTP_AUTH_UNAVAILABLE'],
    ['bad_request', 400, 'HTTP_AUTH_BAD_REQUEST'],
  ] as const)('a %s denial answers %i %s on HTTP-FLV and on the HLS playlist', async (reason, status, code) => {
    for (const path of ['live/cam1.flv', 'live/cam1/index.m3u8']) {
      const res = await fetch(`${base}/${path}?user=${reason}&pass=x`);
      expect(res.status).toBe(status);
      expect(await res.text()).toBe(`${code}\n`);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('www-authenticate')).toBe(status === 401 ? 'Basic realm="streamgate"' : null);
    }
  });

  it('the authorizer is asked for a play over http with the carried credentials and their source', async () => {
    asked.length = 0;
    await (await fetch(`${base}/live/cam1.flv?user=stream_not_allowed&pass=p%40ss`)).text();
    await (await fetch(`${base}/live/cam1.flv`, { headers: { authorization: `Basic ${Buffer.from('stream_not_allowed:pa:ss').toString('base64')}` } })).text();
    await (await fetch(`${base}/live/cam1.flv`)).text();
    expect(asked.map((r) => [r.action, r.protocol, r.app, r.stream, r.credentials])).toEqual([
      ['play', 'http', 'live', 'cam1', { kind: 'password', user: 'stream_not_allowed', password: 'p@ss', source: 'http-query' }],
      ['play', 'http', 'live', 'cam1', { kind: 'password', user: 'stream_not_allowed', password: 'pa:ss', source: 'http-basic' }],
      ['play', 'http', 'live', 'cam1', { kind: 'none' }],
    ]);
  });

  it('a Basic header that is not base64 or has no colon, or a broken %-escape, is 400 without asking the authorizer', async () => {
    asked.length = 0;
    for (const authorization of ['Basic !!!', `Basic ${Buffer.from('nocolon').toString('base64')}`, 'Bearer abc']) {
      const res = await fetch(`${base}/live/cam1.flv`, { headers: { authorization } });
      expect(res.status).toBe(400);
      await res.text();
    }
    expect((await fetch(`${base}/live/cam1.flv?user=a&pass=%zz`)).status).toBe(400);
    expect(asked).toEqual([]);
  });

  it('HEAD and pipelined requests wait for the decision in order on one connection', async () => {
    const socket = connect(t.ingest.ports.http, '127.0.0.1');
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.write('GET /live/cam1/index.m3u8?user=throttled&pass=x HTTP/1.1\r\nHost: a\r\n\r\nHEAD /live/cam1.flv?user=stream_not_allowed&pass=x HTTP/1.1\r\nHost: a\r\n\r\nGET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    await new Promise((r) => socket.on('close', r));
    const statuses = [...got.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
    expect(statuses).toEqual([429, 403, 200]);
  });

  it('an HTTP-FLV response ends when the re-check after its answer expires says no', async () => {
    revoked = false;
    const res = await fetch(`${base}/live/cam1.flv?user=ok-short&pass=x`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let bytes = 0;
    const started = Date.now();
    // Allowed re-checks keep it going past the first answer's expiry.
    while (Date.now() - started < 900) bytes += (await reader.read()).value?.byteLength ?? 0;
    expect(bytes).toBeGreaterThan(1000);
    revoked = true;
    const ended = await new Promise<number>((resolve) => {
      const pump = (): void => {
        reader.read().then(
          (r) => (r.done ? resolve(Date.now()) : pump()),
          () => resolve(Date.now()),
        );
      };
      pump();
    });
    expect(ended - started).toBeLessThan(900 + 1500);
    await waitFor(() => t.logs.some((l) => l.event === 'http.play-revoked' && l.reason === 'stream_not_allowed'), 2000, 'the revocation log line');
  });

  it('a CORS preflight lets a browser player send Authorization itself', async () => {
    const res = await fetch(`${base}/live/cam1/index.m3u8`, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/\bAuthorization\b/);
  });

  it('without an authorizer HTTP playback stays closed while player auth is required', async () => {
    const bare = await startTestIngest({ STREAMGATE_PLAY_AUTH: 'required' });
    try {
      const res = await fetch(`http://127.0.0.1:${bare.ingest.ports.http}/live/cam1.flv?user=ok&pass=x`);
      expect(res.status).toBe(403);
      expect(await res.text()).toBe('HTTP_PLAY_AUTH_REQUIRED\n');
    } finally {
      await bare.close();
    }
  });
});
