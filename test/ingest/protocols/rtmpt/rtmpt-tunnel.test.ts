import { describe, expect, it } from 'vitest';
import { HttpRequestParser, type HttpRequest } from '#ingest/protocols/http/http-request-parser.js';
import { encodeHttpRequest } from '#ingest/protocols/http/encode-http-request.js';
import { RTMPT_FAST_POLL, RTMPT_SLOW_POLL, RtmptSession } from '#ingest/protocols/rtmpt/rtmpt-session.js';
import {
  RtmptTunnel,
  isRtmptPath,
  rtmptErrorStatus,
  type RtmptRoute,
} from '#ingest/protocols/rtmpt/rtmpt-tunnel.js';
import { ascii, feedings, hex } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';
import { codeOf } from '#test/support/expect-code.js';

const HEADERS = 'Host: 127.0.0.1:8080\r\nCache-Control: no-cache\r\nContent-type: application/x-fcs\r\nUser-Agent: Shockwave Flash\r\n';

function post(path: string, body: Uint8Array): Uint8Array {
  return new Uint8Array(
    Buffer.concat([ascii(`POST ${path} HTTP/1.1\r\n${HEADERS}Content-Length: ${body.length}\r\n\r\n`), body]),
  );
}

/**
 * The request cycle ffmpeg's rtmphttp.c sends for `rtmpt://host:8080/live/s`, in order, each with
 * what the tunnel must make of it (session id fixed to "s1" by the test's newId).
 */
const conversation: { name: string; bytes: Uint8Array; decoded: { kind: RtmptRoute['kind']; data?: string; body?: string; status?: number } }[] = [
  { name: 'Flash proxy probe', bytes: post('/fcs/ident2', hex('00')), decoded: { kind: 'ident', status: 404, body: '' } },
  {
    name: 'open',
    bytes: post('/open/1', hex('00 # ffmpeg posts one NUL byte')),
    decoded: { kind: 'open', body: '73 31 0a # "s1\\n": the id, then LF' },
  },
  {
    name: 'send carrying C0 and the start of C1',
    bytes: post('/send/s1/0', hex('03 # C0: RTMP version 3\n 00 00 00 00 # C1 time\n 00 00 00 00 # C1 zero')),
    decoded: { kind: 'send', data: '03 00000000 00000000' },
  },
  { name: 'idle poll', bytes: post('/idle/s1/1', hex('00 # padding byte')), decoded: { kind: 'idle' } },
  { name: 'idle poll without body', bytes: post('/idle/s1/2', new Uint8Array(0)), decoded: { kind: 'idle' } },
  { name: 'close', bytes: post('/close/s1/3', hex('00')), decoded: { kind: 'close', body: '00' } },
];

const errors: { name: string; method?: string; path: string; code: string; status: number }[] = [
  { name: 'unknown command', path: '/live/s.flv', code: 'RTMPT_NOT_FOUND', status: 404 },
  { name: 'GET on a tunnel path', method: 'GET', path: '/idle/s1/1', code: 'RTMPT_METHOD_NOT_ALLOWED', status: 405 },
  { name: 'open without version', path: '/open', code: 'RTMPT_BAD_PATH', status: 400 },
  { name: 'send without sequence', path: '/send/s1', code: 'RTMPT_BAD_PATH', status: 400 },
  { name: 'non-numeric sequence', path: '/send/s1/x', code: 'RTMPT_BAD_PATH', status: 400 },
  { name: 'id with punctuation', path: '/idle/s-1/4', code: 'RTMPT_BAD_PATH', status: 400 },
  { name: 'extra segment', path: '/idle/s1/4/5', code: 'RTMPT_BAD_PATH', status: 400 },
  { name: 'unknown session', path: '/idle/nobody/4', code: 'RTMPT_UNKNOWN_SESSION', status: 404 },
  { name: 'replayed sequence', path: '/idle/s1/0', code: 'RTMPT_BAD_SEQUENCE', status: 400 },
];

function tunnelWithIds(): RtmptTunnel {
  let n = 0;
  return new RtmptTunnel({ newId: () => `s${++n}` });
}

function parse(parts: Uint8Array[]): HttpRequest[] {
  const parser = new HttpRequestParser();
  return parts.flatMap((p) => parser.push(p));
}

function view(route: RtmptRoute): { kind: string; data?: string; body?: string; status?: number } {
  const out: { kind: string; data?: string; body?: string; status?: number } = { kind: route.kind };
  if (route.kind === 'send') out.data = Buffer.from(route.data).toString('hex');
  if (route.kind === 'open' || route.kind === 'close' || route.kind === 'ident') out.body = Buffer.from(route.body).toString('hex');
  if (route.kind === 'ident') out.status = route.status;
  return out;
}

function norm(d: { kind: string; data?: string; body?: string; status?: number }) {
  return {
    ...d,
    ...(d.data === undefined ? {} : { data: Buffer.from(hex(d.data)).toString('hex') }),
    ...(d.body === undefined ? {} : { body: Buffer.from(hex(d.body)).toString('hex') }),
  };
}

describe('RtmptTunnel', () => {
  const all = new Uint8Array(Buffer.concat(conversation.map((c) => c.bytes)));
  for (const { name, parts } of feedings(all, { seeds: [0, 1, 2, 3, 4] })) {
    it(`routes ffmpeg's open/send/idle/close cycle fed ${name}`, () => {
      const tunnel = tunnelWithIds();
      const requests = parse(parts);
      expect(requests).toHaveLength(conversation.length);
      const routes = requests.map((r, i) => tunnel.route(r.method, r.segments, r.body, i * 10));
      expect(routes.map(view)).toEqual(conversation.map((c) => norm(c.decoded)));
      expect(tunnel.size).toBe(0);
    });
  }

  it('encodes each tunnel request back to the same bytes', () => {
    for (const c of conversation) {
      const [r] = parse([c.bytes]);
      expect(Buffer.from(encodeHttpRequest(r!)).equals(Buffer.from(c.bytes))).toBe(true);
    }
  });

  for (const c of errors) {
    it(`refuses ${c.name} with ${c.code} (${c.status})`, () => {
      const tunnel = tunnelWithIds();
      const open = tunnel.route('POST', ['open', '1'], hex('00'), 0);
      expect(open.kind).toBe('open');
      tunnel.route('POST', ['idle', 's1', '0'], hex('00'), 1);
      const segments = c.path.split('/').filter((s) => s !== '');
      const code = codeOf(() => tunnel.route(c.method ?? 'POST', segments, new Uint8Array(0), 2));
      expect(code).toBe(c.code);
      expect(rtmptErrorStatus(code!)).toBe(c.status);
      // A bad request never harms the session it names.
      expect(tunnel.session('s1')?.isOpen).toBe(true);
    });
  }

  it('answers polls with the interval byte then the RTMP output, split by the reply limit', () => {
    const tunnel = new RtmptTunnel({ newId: () => 'a', maxReplyBytes: 4 });
    const { session } = tunnel.route('POST', ['open', '1'], hex('00'), 0) as Extract<RtmptRoute, { kind: 'open' }>;
    session.enqueue(hex('03 01 02'));
    session.enqueue(hex('04 05 06'));
    expect(session.pendingBytes).toBe(6);
    tunnel.route('POST', ['idle', 'a', '0'], hex('00'), 1);
    expect(Buffer.from(session.reply()).toString('hex')).toBe('01' + '03010204');
    expect(Buffer.from(session.reply()).toString('hex')).toBe('01' + '0506');
    expect(session.pendingBytes).toBe(0);
  });

  it('slows the polling interval one step per empty reply up to 0x21 and resets it on data', () => {
    const session = new RtmptSession('a', 0);
    const intervals = Array.from({ length: 40 }, () => session.reply()[0]);
    expect(intervals.slice(0, 3)).toEqual([2, 3, 4]);
    expect(intervals.at(-1)).toBe(RTMPT_SLOW_POLL);
    session.enqueue(hex('ff'));
    expect(session.reply()[0]).toBe(RTMPT_FAST_POLL);
  });

  it('closes a session whose client does not poll fast enough to drain its output', () => {
    const tunnel = new RtmptTunnel({ newId: () => 'a', maxPendingOutput: 8 });
    const { session } = tunnel.route('POST', ['open', '1'], hex('00'), 0) as Extract<RtmptRoute, { kind: 'open' }>;
    session.enqueue(new Uint8Array(8));
    expect(codeOf(() => session.enqueue(new Uint8Array(1)))).toBe('RTMPT_OUTPUT_OVERFLOW');
    expect(session.isOpen).toBe(false);
    expect(tunnel.expire(1, 60_000).map((s) => s.id)).toEqual(['a']);
  });

  it('bounds the number of sessions', () => {
    const small = new RtmptTunnel({ maxSessions: 2 });
    small.route('POST', ['open', '1'], hex('00'), 0);
    small.route('POST', ['open', '1'], hex('00'), 0);
    expect(codeOf(() => small.route('POST', ['open', '1'], hex('00'), 0))).toBe('RTMPT_TOO_MANY_SESSIONS');
    expect(small.size).toBe(2);
  });

  it('gives random unguessable hex ids by default', () => {
    const tunnel = new RtmptTunnel();
    const a = tunnel.route('POST', ['open', '1'], hex('00'), 0) as Extract<RtmptRoute, { kind: 'open' }>;
    const b = tunnel.route('POST', ['open', '1'], hex('00'), 0) as Extract<RtmptRoute, { kind: 'open' }>;
    expect(a.session.id).toMatch(/^[0-9a-f]{16}$/);
    expect(a.session.id).not.toBe(b.session.id);
  });

  it('expires sessions whose client stopped polling and keeps the others', () => {
    const tunnel = tunnelWithIds();
    tunnel.route('POST', ['open', '1'], hex('00'), 0);
    tunnel.route('POST', ['open', '1'], hex('00'), 0);
    tunnel.route('POST', ['idle', 's2', '0'], hex('00'), 20_000);
    expect(tunnel.expire(25_000, 15_000).map((s) => s.id)).toEqual(['s1']);
    expect(tunnel.session('s2')?.isOpen).toBe(true);
  });

  it('tells tunnel paths from playback paths', () => {
    expect(['/open/1', '/send/a/1', '/idle/a/2', '/close/a/3', '/fcs/ident2'].every(isRtmptPath)).toBe(true);
    expect(['/live/s.flv', '/live/s/index.m3u8', '/opened', '/metrics'].some(isRtmptPath)).toBe(false);
  });

  it('only ever raises ProtocolError on randomly mutated tunnel requests', () => {
    const refused = fuzz(
      conversation.map((c) => c.bytes),
      (input, _, i) => {
        const tunnel = tunnelWithIds();
        tunnel.route('POST', ['open', '1'], hex('00'), 0);
        for (const r of parse(feedings(input, { seeds: [i] })[i % 3]!.parts)) {
          const route = tunnel.route(r.method, r.segments, r.body, 1);
          if (route.kind === 'send' || route.kind === 'idle') route.session.reply();
        }
      },
      Math.ceil(800 / conversation.length),
      5,
    );
    expect(refused).toBeGreaterThan(100);
  });
});
