import { connect } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishTestPattern } from '../support/ffmpeg-runs.js';
import { startTestIngest, type TestIngest } from '../support/ingest-harness.js';
import { sleep } from '../support/wait.js';

/** Sends raw bytes (in parts, with pauses between) and resolves with everything read until the server closes. */
function exchange(port: number, parts: (string | Buffer)[], pauseMs = 0, timeoutMs = 5000): Promise<{ text: string; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('connect', async () => {
      for (const p of parts) {
        if (socket.destroyed) break;
        socket.write(p);
        if (pauseMs > 0) await sleep(pauseMs);
      }
    });
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, ms: Date.now() - started });
    });
  });
}

const statusOf = (text: string) => text.split('\r\n')[0];
const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: t\r\n${extra}Connection: close\r\n\r\n`;

describe('HTTP listener refuses bad input with coded statuses and keeps serving', () => {
  let t: TestIngest;
  let port: number;
  let publisher: ChildProcess;

  beforeAll(async () => {
    t = await startTestIngest({ STREAMGATE_LOG_LEVEL: 'info', STREAMGATE_HANDSHAKE_TIMEOUT_MS: '400' });
    port = t.ingest.ports.http!;
    publisher = publishTestPattern(t.rtmpUrl('live/here'));
    while (!t.ingest.hub.isLive('live/here')) await sleep(25);
  });

  afterAll(async () => {
    publisher?.kill('SIGKILL');
    await t?.close();
  });

  it('answers a ".." path segment, plain or percent-encoded, with 400 and serves nothing', async () => {
    for (const path of ['/live/../../etc/passwd', '/live/%2e%2e/here.flv', '/live/a%2fb/index.m3u8', '/live%5c..%5chere.flv']) {
      const { text } = await exchange(port, [get(path)]);
      expect(statusOf(text), path).toBe('HTTP/1.1 400 Bad Request');
      expect(text).toContain('HTTP_PATH_TRAVERSAL');
    }
  });

  it('answers an overlong URL with 414 and an overlong or overfull header section with 431', async () => {
    expect(statusOf((await exchange(port, [get('/live/' + 'a'.repeat(9000) + '.flv')])).text)).toBe('HTTP/1.1 414 URI Too Long');
    const big = (await exchange(port, [get('/healthz', `X-Big: ${'b'.repeat(20_000)}\r\n`)])).text;
    expect(statusOf(big)).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(big).toContain('HTTP_HEADERS_TOO_LONG');
    const many = Array.from({ length: 150 }, (_, i) => `X-H${i}: v\r\n`).join('');
    const manyText = (await exchange(port, [get('/healthz', many)])).text;
    expect(statusOf(manyText)).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(manyText).toContain('HTTP_TOO_MANY_HEADERS');
  });

  it('answers a request head that trickles in slower than the deadline with 408 and closes', async () => {
    const bytes = get('/healthz').split('');
    const { text, ms } = await exchange(port, bytes, 50);
    expect(statusOf(text)).toBe('HTTP/1.1 408 Request Timeout');
    expect(ms).toBeLessThan(2000);
  });

  it('answers unknown streams and segments with 404 on every playback route', async () => {
    for (const path of ['/live/none.flv', '/live/none/index.m3u8', '/live/none/3.ts', '/live/here/999.ts', '/nothing/here']) {
      expect(statusOf((await exchange(port, [get(path)])).text), path).toBe('HTTP/1.1 404 Not Found');
    }
  });

  it('answers a method a route does not take with 405 and an Allow field', async () => {
    const post = (await exchange(port, ['POST /live/here.flv HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'])).text;
    expect(statusOf(post)).toBe('HTTP/1.1 405 Method Not Allowed');
    expect(post).toMatch(/\r\nAllow: GET, HEAD, OPTIONS\r\n/);
    expect(statusOf((await exchange(port, ['DELETE /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'])).text)).toBe(
      'HTTP/1.1 405 Method Not Allowed',
    );
    const open = (await exchange(port, [get('/open/1')])).text;
    expect(statusOf(open)).toBe('HTTP/1.1 405 Method Not Allowed');
    expect(open).toMatch(/\r\nAllow: POST\r\n/);
  });

  it('answers garbage, a bad version and an unknown RTMPT session with 4xx/5xx codes', async () => {
    expect(statusOf((await exchange(port, ['\x16\x03\x01 not http at all\r\n\r\n'])).text)).toBe('HTTP/1.1 400 Bad Request');
    expect(statusOf((await exchange(port, ['GET / HTTP/2.0\r\nHost: t\r\n\r\n'])).text)).toBe('HTTP/1.1 505 HTTP Version Not Supported');
    const idle = 'POST /idle/nosuchsession/1 HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nConnection: close\r\n\r\n\0';
    expect(statusOf((await exchange(port, [idle])).text)).toBe('HTTP/1.1 404 Not Found');
  });

  it('answers pipelined requests in order on one connection', async () => {
    const two = `GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n${get('/live/none.flv')}`;
    const { text } = await exchange(port, [two]);
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => m[1]);
    expect(statuses).toEqual(['200', '404']);
  });

  it('still serves health, metrics and the live stream after all of that, and counted the refusals', async () => {
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const head = await fetch(`http://127.0.0.1:${port}/live/here.flv`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('video/x-flv');
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/streamgate_protocol_errors_total\{protocol="http",code="HTTP_PATH_TRAVERSAL"\} [1-9]/);
    expect(metrics).toMatch(/streamgate_protocol_errors_total\{protocol="http",code="HTTP_URI_TOO_LONG"\} 1/);
    expect(t.logs.some((l) => l.event === 'http.headers-timeout')).toBe(true);
  });
});

describe('HTTP playback with player auth on', () => {
  it('refuses HTTP-FLV and HLS with 403 (no HTTP credential carrier yet: fail closed)', async () => {
    const t = await startTestIngest({ STREAMGATE_PLAY_AUTH: 'required' });
    try {
      const port = t.ingest.ports.http!;
      for (const path of ['/live/x.flv', '/live/x/index.m3u8', '/live/x/1.ts']) {
        const { text } = await exchange(port, [get(path)]);
        expect(statusOf(text), path).toBe('HTTP/1.1 403 Forbidden');
        expect(text).toContain('HTTP_PLAY_AUTH_REQUIRED');
      }
      expect(statusOf((await exchange(port, [get('/healthz')])).text)).toBe('HTTP/1.1 200 OK');
    } finally {
      await t.close();
    }
  });
});
