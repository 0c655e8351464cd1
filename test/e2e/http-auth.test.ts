import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { playAndCount, publishLive, stopProcess } from '../support/ffmpeg-runs.js';
import { startLocalStackForTest, type LocalStackForTest } from '../support/local-stack-harness.js';

const ALICE = { name: 'alice12', password: 'http-s3cret-pass', publish: ['cam1'], play: ['cam1'] };
const BOB = { name: 'bob1234', password: 'bob-s3cret-pass', play: ['other'] };
const FAILURE_DELAY_MS = 300;
let s: LocalStackForTest;
let publisher: ChildProcess;
let base: string;
const creds = (u: { name: string; password: string }): string => `user=${u.name}&pass=${encodeURIComponent(u.password)}`;
const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

beforeAll(async () => {
  s = await startLocalStackForTest({
    users: [ALICE, BOB],
    authorizer: { failureDelayMs: FAILURE_DELAY_MS },
    env: { STREAMGATE_PLAY_AUTH: 'required' },
  });
  base = `http://127.0.0.1:${s.ingest.ports.http}`;
  publisher = await publishLive(s.rtmpUrl(`live?${creds(ALICE)}/cam1`), s.ingest.hub, 'live/cam1', { gop: 25 });
}, 30_000);

afterAll(async () => {
  await stopProcess(publisher);
  await s?.close();
});

describe('HTTP-FLV player auth (STREAMGATE_PLAY_AUTH=required) through the local stack', () => {
  it('ffmpeg plays HTTP-FLV with ?user=&pass= of a user with the play grant and decodes frames', async () => {
    const r = await playAndCount(`${base}/live/cam1.flv?${creds(ALICE)}`, { frames: 30, timeoutMs: 15_000 });
    expect(r.stderr).toBe('');
    expect(r.videoFrames).toBeGreaterThanOrEqual(30);
  });

  it('ffmpeg plays HTTP-FLV with http://user:pass@ (Basic after the 401 challenge)', async () => {
    const r = await playAndCount(`http://${ALICE.name}:${ALICE.password}@127.0.0.1:${s.ingest.ports.http}/live/cam1.flv`, { frames: 30, timeoutMs: 15_000 });
    expect(r.videoFrames).toBeGreaterThanOrEqual(30);
  });

  it('a request without credentials gets 401 with a Basic challenge', async () => {
    const res = await fetch(`${base}/live/cam1.flv`);
    expect(res.status).toBe(401);
    expect(res.statusText).toBe('Unauthorized');
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="streamgate"');
    expect(await res.text()).toBe('HTTP_PLAY_UNAUTHORIZED\n');
    // The stream's existence is not told before auth: an unknown stream answers the same.
    expect((await fetch(`${base}/live/nothing-here.flv`)).status).toBe(401);
  });

  it('a wrong password gets 401 only after the failure delay, by query and by Basic', async () => {
    const started = Date.now();
    const res = await fetch(`${base}/live/cam1.flv?user=${ALICE.name}&pass=wrong-pass-1`);
    expect(res.status).toBe(401);
    expect(Date.now() - started).toBeGreaterThanOrEqual(FAILURE_DELAY_MS - 20);
    await res.body?.cancel();
    const viaBasic = await fetch(`${base}/live/cam1.flv`, { headers: { authorization: basic(ALICE.name, 'wrong-pass-2') } });
    expect(viaBasic.status).toBe(401);
    expect(viaBasic.headers.get('www-authenticate')).toBe('Basic realm="streamgate"');
  });

  it('a user without a play grant for the stream gets 403, and ffmpeg decodes nothing', async () => {
    const res = await fetch(`${base}/live/cam1.flv?${creds(BOB)}`);
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('HTTP_PLAY_FORBIDDEN\n');
    const r = await playAndCount(`${base}/live/cam1.flv?${creds(BOB)}`, { frames: 5, timeoutMs: 10_000 });
    expect(r.videoFrames).toBe(0);
    expect(r.stderr).toMatch(/403/);
  });

  it('a malformed Basic header gets 400', async () => {
    const res = await fetch(`${base}/live/cam1.flv`, { headers: { authorization: 'Basic !!!' } });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('HTTP_AUTH_BAD_REQUEST\n');
  });
});

describe('HLS player auth (STREAMGATE_PLAY_AUTH=required) through the local stack', () => {
  it('the playlist of an authorized request lists segment URIs with a token and without the credentials', async () => {
    const res = await fetch(`${base}/live/cam1/index.m3u8?${creds(ALICE)}`);
    expect(res.status).toBe(200);
    const playlist = await res.text();
    const uris = playlist.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(uris.length).toBeGreaterThan(0);
    for (const uri of uris) expect(uri).toMatch(/^\d+\.ts\?t=\d+\.[A-Za-z0-9_-]{22}$/);
    expect(playlist).not.toContain(ALICE.password);
    // The segment answers to its token alone.
    const seg = await fetch(`${base}/live/cam1/${uris[0]}`);
    expect(seg.status).toBe(200);
    expect(new Uint8Array(await seg.arrayBuffer())[0]).toBe(0x47);
  });

  it('ffmpeg plays HLS with credentials on the playlist URL only and decodes frames', async () => {
    const r = await playAndCount(`${base}/live/cam1/index.m3u8?${creds(ALICE)}`, { frames: 30, timeoutMs: 20_000 });
    expect(r.videoFrames).toBeGreaterThanOrEqual(30);
  });

  it('a segment with a forged, re-dated or garbage token gets 403, one without anything 401', async () => {
    const playlist = await (await fetch(`${base}/live/cam1/index.m3u8?${creds(ALICE)}`)).text();
    const uri = playlist.split('\n').find((l) => l !== '' && !l.startsWith('#'))!;
    const [name, query] = uri.split('?') as [string, string];
    const token = query.slice(2);
    const [expiry, mac] = token.split('.') as [string, string];
    const forged = `${expiry}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    for (const t of [forged, `${Number(expiry) + 3600}.${mac}`, 'garbage']) {
      const res = await fetch(`${base}/live/cam1/${name}?t=${t}`);
      expect(res.status).toBe(403);
      expect(await res.text()).toBe('HTTP_SEGMENT_TOKEN_INVALID\n');
    }
    // The same token on another stream's path is not valid there either.
    expect((await fetch(`${base}/live/other/${name}?t=${token}`)).status).toBe(403);
    const bare = await fetch(`${base}/live/cam1/${name}`);
    expect(bare.status).toBe(401);
    // Credentials on the segment request itself are accepted too.
    expect((await fetch(`${base}/live/cam1/${name}?${creds(ALICE)}`)).status).toBe(200);
  });

  it('a segment token is bound to the stream, not to its spelling: issued for LIVE/Cam1 it opens live/cam1 and Live/CAM1, and the reverse; never live/cam10', async () => {
    // Before one name per stream, LIVE/Cam1 was a stream of its own: its token opened nothing of live/cam1.
    const tokenOf = async (path: string): Promise<{ name: string; token: string }> => {
      const res = await fetch(`${base}/${path}/index.m3u8?${creds(ALICE)}`);
      expect(res.status, path).toBe(200);
      const uri = (await res.text()).split('\n').find((l) => l !== '' && !l.startsWith('#'))!;
      const [name, query] = uri.split('?') as [string, string];
      return { name, token: query.slice(2) };
    };
    const upper = await tokenOf('LIVE/Cam1');
    const lower = await tokenOf('live/cam1');
    for (const { name, token } of [upper, lower]) {
      for (const spelling of ['live/cam1', 'Live/CAM1', 'LIVE/Cam1']) {
        expect((await fetch(`${base}/${spelling}/${name}?t=${token}`)).status, `${spelling} ${token}`).toBe(200);
      }
      expect((await fetch(`${base}/live/cam10/${name}?t=${token}`)).status).toBe(403);
      expect((await fetch(`${base}/live/cam1/x/${name}?t=${token}`)).status).toBe(403);
    }
  });

  it('a playlist request outside the grants gets 403 and one without credentials 401', async () => {
    expect((await fetch(`${base}/live/cam1/index.m3u8?${creds(BOB)}`)).status).toBe(403);
    const res = await fetch(`${base}/live/cam1/index.m3u8`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="streamgate"');
  });
});

describe("the web console's preview grant (STREAMGATE_PLAY_AUTH=required)", () => {
  const grant = (stream: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/console/api/streams/preview`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.functions.adminToken}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ stream }),
    });
  const cookieOf = (res: Response): string => /^(sg_preview=[A-Za-z0-9_-]+);/.exec(res.headers.get('set-cookie') ?? '')![1]!;

  it('an admin-token holder gets an HttpOnly, SameSite=Strict cookie for one stream, Secure when the console came over HTTPS', async () => {
    const res = await grant('LIVE/Cam1');
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toMatch(/^sg_preview=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=600$/);
    const viaTls = await grant('live/cam1', { origin: 'https://console.example' });
    expect(viaTls.headers.get('set-cookie')).toMatch(/; HttpOnly; Secure; SameSite=Strict; Max-Age=600$/);
    const anonymous = await fetch(`${base}/console/api/streams/preview`, { method: 'POST', body: JSON.stringify({ stream: 'live/cam1' }) });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('set-cookie')).toBeNull();
    expect((await grant('no-slash')).status).toBe(400);
  });

  it('with the cookie, ffmpeg plays the stream over HTTP-FLV and HLS without user credentials', async () => {
    const cookie = cookieOf(await grant('live/cam1'));
    const inputArgs = ['-headers', `Cookie: ${cookie}\r\n`];
    const flv = await playAndCount(`${base}/live/cam1.flv`, { frames: 30, timeoutMs: 15_000, inputArgs });
    expect(flv.videoFrames, flv.stderr).toBeGreaterThanOrEqual(30);
    const hls = await playAndCount(`${base}/live/cam1/index.m3u8`, { frames: 30, timeoutMs: 20_000, inputArgs });
    expect(hls.videoFrames, hls.stderr).toBeGreaterThanOrEqual(30);
    expect(s.logs.some((l) => l.event === 'http.play-console-preview' && l.path === 'live/cam1' && l.kind === 'flv')).toBe(true);
    expect(s.logs.some((l) => l.event === 'console.preview' && l.path === 'live/cam1')).toBe(true);
  });

  it('the cookie opens no other stream, and an altered or foreign value opens nothing', async () => {
    const cookie = cookieOf(await grant('live/cam1'));
    const other = await fetch(`${base}/live/other.flv`, { headers: { cookie } });
    expect(other.status).toBe(401);
    const value = cookie.slice('sg_preview='.length);
    const flipped = `${value.slice(0, 20)}${value[20] === 'A' ? 'B' : 'A'}${value.slice(21)}`;
    for (const bad of [`sg_preview=${flipped}`, `sg_preview=${value.slice(0, 30)}`, 'sg_preview=garbage', `sg_play=${value}`]) {
      const res = await fetch(`${base}/live/cam1/index.m3u8`, { headers: { cookie: bad } });
      expect(res.status, bad).toBe(401);
    }
  });
});

describe('HTTP player auth, logs and service failure', () => {
  it('no password appears in any log line, and denials are logged with their code', () => {
    const text = s.allLogText();
    expect(text).not.toContain(ALICE.password);
    expect(text).not.toContain(BOB.password);
    expect(text).not.toContain('wrong-pass-1');
    expect(text).not.toContain('wrong-pass-2');
    expect(s.logs.some((l) => l.event === 'http.play-denied' && l.code === 'HTTP_PLAY_FORBIDDEN' && l.status === 403)).toBe(true);
    expect(s.logs.some((l) => l.event === 'auth' && l.protocol === 'http' && l.action === 'play' && l.allowed === true && l.user === ALICE.name)).toBe(true);
    expect(s.logs.some((l) => l.event === 'auth' && l.protocol === 'http' && l.method === 'http-basic')).toBe(true);
  });

  it('with the auth service down, a play it cannot decide gets 503', async () => {
    await s.stopFunctions();
    const res = await fetch(`${base}/live/cam1.flv?user=carol99&pass=never-seen-1`);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('HTTP_AUTH_UNAVAILABLE\n');
  });
});
