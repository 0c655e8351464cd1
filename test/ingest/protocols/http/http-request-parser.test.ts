import { describe, expect, it } from 'vitest';
import { HttpRequestParser, headerValue, type HttpRequest } from '#ingest/protocols/http/http-request-parser.js';
import { encodeHttpRequest } from '#ingest/protocols/http/encode-http-request.js';
import { httpErrorStatus } from '#ingest/protocols/http/http-error-status.js';
import { LIMITS } from '#ingest/protocols/limits.js';
import { ascii, feedings, } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';
import { codeOf } from '#test/support/expect-code.js';

type Expected = Pick<HttpRequest, 'method' | 'target' | 'path' | 'query' | 'version' | 'headers' | 'keepAlive' | 'chunked'> & {
  body: string;
};

/** Canonical requests: decode(bytes) = decoded and encode(decoded) = bytes. */
const cases: { name: string; bytes: string; decoded: Expected }[] = [
  {
    name: 'HTTP-FLV play by ffplay',
    bytes:
      'GET /live/cam1.flv HTTP/1.1\r\n' + // request line
      'User-Agent: Lavf/59.27.100\r\n' +
      'Accept: */*\r\n' +
      'Range: bytes=0-\r\n' +
      'Connection: close\r\n' + // → keepAlive false
      'Host: 127.0.0.1:8080\r\n' +
      'Icy-MetaData: 1\r\n' +
      '\r\n',
    decoded: {
      method: 'GET',
      target: '/live/cam1.flv',
      path: '/live/cam1.flv',
      query: '',
      version: '1.1',
      headers: [
        { name: 'User-Agent', value: 'Lavf/59.27.100' },
        { name: 'Accept', value: '*/*' },
        { name: 'Range', value: 'bytes=0-' },
        { name: 'Connection', value: 'close' },
        { name: 'Host', value: '127.0.0.1:8080' },
        { name: 'Icy-MetaData', value: '1' },
      ],
      keepAlive: false,
      chunked: false,
      body: '',
    },
  },
  {
    name: 'RTMPT send with a Content-Length body',
    bytes:
      'POST /send/8a1f/2 HTTP/1.1\r\n' +
      'Content-Type: application/x-fcs\r\n' +
      'Host: h\r\n' +
      'Content-Length: 5\r\n' + // five body bytes follow the empty line
      '\r\n' +
      'abcde',
    decoded: {
      method: 'POST',
      target: '/send/8a1f/2',
      path: '/send/8a1f/2',
      query: '',
      version: '1.1',
      headers: [
        { name: 'Content-Type', value: 'application/x-fcs' },
        { name: 'Host', value: 'h' },
        { name: 'Content-Length', value: '5' },
      ],
      keepAlive: true,
      chunked: false,
      body: 'abcde',
    },
  },
  {
    name: 'HTTP/1.0 with keep-alive, a query and dot segments',
    bytes: 'GET //live/./s%20one/index.m3u8?token=a%2Fb HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n',
    decoded: {
      method: 'GET',
      target: '//live/./s%20one/index.m3u8?token=a%2Fb',
      path: '/live/s one/index.m3u8',
      query: 'token=a%2Fb',
      version: '1.0',
      headers: [{ name: 'Connection', value: 'Keep-Alive' }],
      keepAlive: true,
      chunked: false,
      body: '',
    },
  },
  {
    name: 'HTTP/1.0 without Connection closes',
    bytes: 'GET / HTTP/1.0\r\n\r\n',
    decoded: {
      method: 'GET',
      target: '/',
      path: '/',
      query: '',
      version: '1.0',
      headers: [],
      keepAlive: false,
      chunked: false,
      body: '',
    },
  },
  {
    name: 'chunked POST body',
    bytes: 'POST /idle/1/3 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n' + '3\r\nxyz\r\n' + '0\r\n\r\n',
    decoded: {
      method: 'POST',
      target: '/idle/1/3',
      path: '/idle/1/3',
      query: '',
      version: '1.1',
      headers: [
        { name: 'Host', value: 'h' },
        { name: 'Transfer-Encoding', value: 'chunked' },
      ],
      keepAlive: true,
      chunked: true,
      body: 'xyz',
    },
  },
  {
    name: 'absolute-form target',
    bytes: 'OPTIONS http://example.com:8080/fcs/ident2 HTTP/1.1\r\nHost: example.com:8080\r\n\r\n',
    decoded: {
      method: 'OPTIONS',
      target: 'http://example.com:8080/fcs/ident2',
      path: '/fcs/ident2',
      query: '',
      version: '1.1',
      headers: [{ name: 'Host', value: 'example.com:8080' }],
      keepAlive: true,
      chunked: false,
      body: '',
    },
  },
];

/** Non-canonical input we accept, decode-only. */
const tolerated: { name: string; bytes: string; check: Partial<Expected> }[] = [
  { name: 'leading empty lines', bytes: '\r\n\r\nGET /a HTTP/1.1\r\nHost: h\r\n\r\n', check: { path: '/a' } },
  { name: 'optional whitespace around a value', bytes: 'GET /a HTTP/1.1\r\nHost:  \th \t\r\n\r\n', check: { headers: [{ name: 'Host', value: 'h' }] } },
  {
    name: 'chunks with extensions and trailers',
    bytes: 'POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n2;x=y\r\nab\r\n1\r\nc\r\n0\r\nX-Trailer: 1\r\n\r\n',
    check: { body: 'abc', chunked: true },
  },
  { name: 'repeated identical Content-Length', bytes: 'POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 2\r\n\r\nok', check: { body: 'ok' } },
];

const errors: { name: string; bytes: string; code: string; status: number }[] = [
  { name: 'garbage request line', bytes: 'HELLO\r\n', code: 'HTTP_BAD_REQUEST_LINE', status: 400 },
  { name: 'bare LF after the request line', bytes: 'GET /a HTTP/1.1\nHost: h\r\n\r\n', code: 'HTTP_BAD_REQUEST_LINE', status: 400 },
  { name: 'bare LF after a header', bytes: 'GET /a HTTP/1.1\r\nHost: h\n\r\n', code: 'HTTP_BAD_HEADER', status: 400 },
  { name: 'bare LF ending the head', bytes: 'GET /a HTTP/1.1\r\nHost: h\r\n\n', code: 'HTTP_BAD_HEADER', status: 400 },
  { name: 'double space in request line', bytes: 'GET  / HTTP/1.1\r\n', code: 'HTTP_BAD_REQUEST_LINE', status: 400 },
  { name: 'RTMP handshake bytes on 8080', bytes: '\x03\x00\x00\x00\x00\r\n', code: 'HTTP_BAD_REQUEST_LINE', status: 400 },
  { name: 'unsupported version', bytes: 'GET / HTTP/2.0\r\n', code: 'HTTP_VERSION_NOT_SUPPORTED', status: 505 },
  { name: 'dot-dot segment', bytes: 'GET /live/../../etc/passwd HTTP/1.1\r\n', code: 'HTTP_PATH_TRAVERSAL', status: 400 },
  { name: 'encoded dot-dot segment', bytes: 'GET /%2e%2E/x HTTP/1.1\r\n', code: 'HTTP_PATH_TRAVERSAL', status: 400 },
  { name: 'encoded slash in a segment', bytes: 'GET /a%2f..%2fb HTTP/1.1\r\n', code: 'HTTP_PATH_TRAVERSAL', status: 400 },
  { name: 'backslash in a segment', bytes: 'GET /a\\..\\b HTTP/1.1\r\n', code: 'HTTP_PATH_TRAVERSAL', status: 400 },
  { name: 'encoded NUL', bytes: 'GET /a%00 HTTP/1.1\r\n', code: 'HTTP_PATH_TRAVERSAL', status: 400 },
  { name: 'bad percent-encoding', bytes: 'GET /a%zz HTTP/1.1\r\n', code: 'HTTP_BAD_REQUEST_LINE', status: 400 },
  { name: 'authority-form target', bytes: 'CONNECT host:443 HTTP/1.1\r\n', code: 'HTTP_BAD_REQUEST_LINE', status: 400 },
  { name: 'overlong URL', bytes: `GET /${'a'.repeat(LIMITS.httpMaxUriLength)} HTTP/1.1\r\n`, code: 'HTTP_URI_TOO_LONG', status: 414 },
  {
    name: 'overlong request line without end',
    bytes: `GET /${'a'.repeat(LIMITS.httpMaxUriLength + 100)}`,
    code: 'HTTP_URI_TOO_LONG',
    status: 414,
  },
  {
    name: 'headers section too long',
    bytes: `GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${'b'.repeat(LIMITS.httpMaxHeaderBytes)}`,
    code: 'HTTP_HEADERS_TOO_LONG',
    status: 431,
  },
  {
    name: 'too many header fields',
    bytes: 'GET / HTTP/1.1\r\n' + 'X: 1\r\n'.repeat(LIMITS.httpMaxHeaderCount + 1),
    code: 'HTTP_TOO_MANY_HEADERS',
    status: 431,
  },
  { name: 'space before colon', bytes: 'GET / HTTP/1.1\r\nHost : h\r\n', code: 'HTTP_BAD_HEADER', status: 400 },
  { name: 'obs-fold', bytes: 'GET / HTTP/1.1\r\nHost: h\r\n folded\r\n', code: 'HTTP_BAD_HEADER', status: 400 },
  { name: 'bare CR inside a value', bytes: 'GET / HTTP/1.1\r\nX: a\rb\r\n', code: 'HTTP_BAD_HEADER', status: 400 },
  { name: 'missing Host in HTTP/1.1', bytes: 'GET / HTTP/1.1\r\n\r\n', code: 'HTTP_BAD_HOST', status: 400 },
  { name: 'two Host fields', bytes: 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', code: 'HTTP_BAD_HOST', status: 400 },
  {
    name: 'Content-Length over the body limit',
    bytes: `POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ${LIMITS.httpMaxBodySize + 1}\r\n\r\n`,
    code: 'HTTP_BODY_TOO_LARGE',
    status: 413,
  },
  {
    name: 'Content-Length beyond any number',
    bytes: 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n',
    code: 'HTTP_BAD_CONTENT_LENGTH',
    status: 400,
  },
  { name: 'negative Content-Length', bytes: 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n', code: 'HTTP_BAD_CONTENT_LENGTH', status: 400 },
  {
    name: 'conflicting Content-Length',
    bytes: 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
    code: 'HTTP_BAD_CONTENT_LENGTH',
    status: 400,
  },
  {
    name: 'Transfer-Encoding with Content-Length',
    bytes: 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n',
    code: 'HTTP_BAD_CONTENT_LENGTH',
    status: 400,
  },
  {
    name: 'gzip transfer coding',
    bytes: 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n',
    code: 'HTTP_UNSUPPORTED_TRANSFER_ENCODING',
    status: 501,
  },
  {
    name: 'chunks summing over the body limit',
    bytes: `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n${(LIMITS.httpMaxBodySize + 1).toString(16)}\r\n`,
    code: 'HTTP_BODY_TOO_LARGE',
    status: 413,
  },
  {
    name: 'non-hex chunk size',
    bytes: 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    code: 'HTTP_BAD_CHUNK',
    status: 400,
  },
  {
    name: 'chunk data without CRLF',
    bytes: 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc\r\n',
    code: 'HTTP_BAD_CHUNK',
    status: 400,
  },
];

function parseAll(parts: Uint8Array[]): HttpRequest[] {
  const parser = new HttpRequestParser();
  const out: HttpRequest[] = [];
  for (const p of parts) out.push(...parser.push(p));
  return out;
}

function view(r: HttpRequest): Expected {
  return {
    method: r.method,
    target: r.target,
    path: r.path,
    query: r.query,
    version: r.version,
    headers: r.headers,
    keepAlive: r.keepAlive,
    chunked: r.chunked,
    body: Buffer.from(r.body).toString('latin1'),
  };
}

describe('HttpRequestParser', () => {
  for (const c of cases) {
    for (const { name, parts } of feedings(ascii(c.bytes), { seeds: [0, 1, 2, 3, 4] })) {
      it(`decodes ${c.name} fed ${name}`, () => {
        const got = parseAll(parts);
        expect(got).toHaveLength(1);
        expect(view(got[0]!)).toEqual(c.decoded);
      });
    }
    it(`encodes ${c.name} back to the same bytes`, () => {
      const d = c.decoded;
      const bytes = encodeHttpRequest({ ...d, body: ascii(d.body) });
      expect(Buffer.from(bytes).toString('latin1')).toBe(c.bytes);
    });
  }

  for (const c of tolerated) {
    for (const { name, parts } of feedings(ascii(c.bytes), { seeds: [0, 1, 2, 3, 4] })) {
      it(`accepts ${c.name} fed ${name}`, () => {
        const got = parseAll(parts);
        expect(got).toHaveLength(1);
        expect(view(got[0]!)).toMatchObject(c.check);
      });
    }
  }

  for (const c of errors) {
    for (const { name, parts } of feedings(ascii(c.bytes), { seeds: [0, 1] })) {
      it(`refuses ${c.name} with ${c.code} (${c.status}) fed ${name}`, () => {
        const parser = new HttpRequestParser();
        const code = codeOf(() => {
          for (const p of parts) parser.push(p);
        });
        expect(code).toBe(c.code);
        expect(httpErrorStatus(code!)).toBe(c.status);
      });
    }
  }

  it('parses pipelined keep-alive requests in order from one chunk', () => {
    const all = cases.filter((c) => c.decoded.keepAlive).map((c) => c.bytes).join('');
    const expected = cases.filter((c) => c.decoded.keepAlive).map((c) => c.decoded);
    for (const { parts } of feedings(ascii(all), { seeds: [3, 4, 5, 6, 7] })) {
      expect(parseAll(parts).map(view)).toEqual(expected);
    }
  });

  it('ignores bytes after a request that closes the connection', () => {
    const parser = new HttpRequestParser();
    const got = parser.push(ascii('GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGARBAGE\r\n'));
    expect(got).toHaveLength(1);
    expect(parser.closed).toBe(true);
    expect(parser.push(ascii('GET / HTTP/1.1\r\nHost: h\r\n\r\n'))).toEqual([]);
  });

  it('returns completed requests before an error in the same chunk and keeps the error', () => {
    const parser = new HttpRequestParser();
    const got = parser.push(ascii('GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /../x HTTP/1.1\r\n'));
    expect(got.map((r) => r.path)).toEqual(['/a']);
    expect(parser.error?.code).toBe('HTTP_PATH_TRAVERSAL');
    expect(codeOf(() => parser.push(ascii('x')))).toBe('HTTP_PATH_TRAVERSAL');
  });

  it('reports idle only between requests, for the slow-headers timeout', () => {
    const parser = new HttpRequestParser();
    expect(parser.idle).toBe(true);
    parser.push(ascii('GET / HT'));
    expect(parser.idle).toBe(false);
    parser.push(ascii('TP/1.1\r\nHost: h\r\n\r\n'));
    expect(parser.idle).toBe(true);
  });

  it('honours smaller limits given as options', () => {
    const parser = new HttpRequestParser({ maxBodySize: 4 });
    expect(codeOf(() => parser.push(ascii('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n')))).toBe('HTTP_BODY_TOO_LARGE');
  });

  it('refuses a request line it parsed before when a parser with a smaller target limit gets it', () => {
    const line = 'GET /live/cam1/index.m3u8 HTTP/1.1\r\nHost: h\r\n\r\n';
    expect(new HttpRequestParser().push(ascii(line))[0]!.path).toBe('/live/cam1/index.m3u8');
    expect(codeOf(() => new HttpRequestParser({ maxUriLength: 10 }).push(ascii(line)))).toBe('HTTP_URI_TOO_LONG');
    const long = `GET /live/${'c'.repeat(600)}.flv HTTP/1.1\r\nHost: h\r\n\r\n`;
    expect(new HttpRequestParser().push(ascii(long))[0]!.segments[1]).toBe(`${'c'.repeat(600)}.flv`);
    expect(codeOf(() => new HttpRequestParser({ maxUriLength: 500 }).push(ascii(long)))).toBe('HTTP_URI_TOO_LONG');
  });

  it('reads a head that arrives with the next request and a body in one chunk, line by line, as when fed apart', () => {
    const bytes = ascii('POST /send/1/0 HTTP/1.1\r\nHost: h\r\nContent-Length: 8\r\n\r\n\r\n\r\nX: 1\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n');
    const [post, get] = new HttpRequestParser().push(bytes);
    expect(Buffer.from(post!.body).toString('latin1')).toBe('\r\n\r\nX: 1');
    expect(post!.headers).toEqual([{ name: 'Host', value: 'h' }, { name: 'Content-Length', value: '8' }]);
    expect(get!.path).toBe('/b');
  });

  it('finds header values case-insensitively', () => {
    const [r] = parseAll([ascii(cases[1]!.bytes)]);
    expect(headerValue(r!.headers, 'content-type')).toBe('application/x-fcs');
    expect(headerValue(r!.headers, 'x-none')).toBeUndefined();
  });

  it('only ever raises ProtocolError on randomly mutated requests', () => {
    const seeds = [...cases.map((c) => c.bytes), ...tolerated.map((c) => c.bytes)].map(ascii);
    const refused = fuzz(
      seeds,
      (input, _, i) => {
        const parser = new HttpRequestParser();
        for (const p of feedings(input, { seeds: [i] })[i % 3]!.parts) parser.push(p);
      },
      Math.ceil(2000 / seeds.length),
      42,
    );
    expect(refused).toBeGreaterThan(100);
  });
});
