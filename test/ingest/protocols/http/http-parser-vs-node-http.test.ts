import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRequestParser } from '#ingest/protocols/http/http-request-parser.js';
import { ProtocolError } from '#ingest/protocols/protocol-error.js';

// A differential test: the same bytes go to our HTTP/1.1 parser (which must stay, because it hands
// the raw socket on to HTTP-FLV and RTMPT) and to node:http's (llhttp) on a loopback server. Where
// they disagree, EXPLAINED says why ours answers as it does; an unexplained disagreement fails,
// and so does an explained one that no longer happens (the explanation would be stale).

/** What a parser made of the bytes. */
type Outcome = { kind: 'requests'; requests: { method: string; target: string; version: string; body: string }[] } | { kind: 'refused' } | { kind: 'incomplete' };

interface Case {
  readonly name: string;
  readonly bytes: string;
}

const H = 'Host: a\r\n';
const CASES: Case[] = [
  { name: 'a plain GET', bytes: `GET /live/cam1.flv HTTP/1.1\r\n${H}\r\n` },
  { name: 'HTTP/1.0 without Host', bytes: 'GET / HTTP/1.0\r\n\r\n' },
  { name: 'HTTP/1.1 without Host', bytes: 'GET / HTTP/1.1\r\n\r\n' },
  { name: 'two Host fields', bytes: `GET / HTTP/1.1\r\n${H}Host: b\r\n\r\n` },
  { name: 'a query string', bytes: `GET /live/cam1/index.m3u8?user=u&pass=p HTTP/1.1\r\n${H}\r\n` },
  { name: 'an absolute-form target', bytes: `GET http://a/live/x.flv HTTP/1.1\r\n${H}\r\n` },
  { name: 'OPTIONS *', bytes: `OPTIONS * HTTP/1.1\r\n${H}\r\n` },
  { name: 'a Content-Length body', bytes: `POST /send/1/0 HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello` },
  { name: 'a chunked body', bytes: `POST /x HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n` },
  { name: 'a chunk extension', bytes: `POST /x HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\n\r\n` },
  { name: 'chunked trailers', bytes: `POST /x HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n` },
  { name: 'Transfer-Encoding and Content-Length together', bytes: `POST /x HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n` },
  { name: 'gzip, chunked coding', bytes: `POST /x HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n` },
  { name: 'chunked in HTTP/1.0', bytes: 'POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' },
  { name: 'a Content-Length that is not a number', bytes: `POST /x HTTP/1.1\r\n${H}Content-Length: 5x\r\n\r\nhello` },
  { name: 'a negative Content-Length', bytes: `POST /x HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n` },
  { name: 'two equal Content-Length fields', bytes: `POST /x HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello` },
  { name: 'two different Content-Length fields', bytes: `POST /x HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!` },
  { name: 'a chunk size that is not hex', bytes: `POST /x HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n` },
  { name: 'chunk data without its CRLF', bytes: `POST /x HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n` },
  { name: 'bare LF line ends', bytes: 'GET / HTTP/1.1\nHost: a\n\n' },
  { name: 'a bare LF inside the head', bytes: 'GET / HTTP/1.1\r\nHost: a\nX: 1\r\n\r\n' },
  { name: 'a space before the colon', bytes: 'GET / HTTP/1.1\r\nHost : a\r\n\r\n' },
  { name: 'an obs-fold continuation line', bytes: `GET / HTTP/1.1\r\n${H}X-Long: a\r\n  b\r\n\r\n` },
  { name: 'a control character in a value', bytes: `GET / HTTP/1.1\r\n${H}X: a\x01b\r\n\r\n` },
  { name: 'a tab in a value', bytes: `GET / HTTP/1.1\r\n${H}X: a\tb\r\n\r\n` },
  { name: 'an empty value', bytes: `GET / HTTP/1.1\r\n${H}X-Empty:\r\n\r\n` },
  { name: 'a separator in a field name', bytes: `GET / HTTP/1.1\r\n${H}X(y): 1\r\n\r\n` },
  { name: 'a lower-case method', bytes: `get / HTTP/1.1\r\n${H}\r\n` },
  { name: 'an unknown method token', bytes: `BREW / HTTP/1.1\r\n${H}\r\n` },
  { name: 'a method that is not a token', bytes: `G(T / HTTP/1.1\r\n${H}\r\n` },
  { name: 'two spaces in the request line', bytes: `GET  / HTTP/1.1\r\n${H}\r\n` },
  { name: 'a space in the target', bytes: `GET /a b HTTP/1.1\r\n${H}\r\n` },
  { name: 'HTTP/2.0 in a request line', bytes: `GET / HTTP/2.0\r\n${H}\r\n` },
  { name: 'HTTP/1.2', bytes: `GET / HTTP/1.2\r\n${H}\r\n` },
  { name: 'no version', bytes: `GET /\r\n${H}\r\n` },
  { name: 'empty lines before the request line', bytes: `\r\n\r\nGET / HTTP/1.1\r\n${H}\r\n` },
  { name: 'a 20 KiB header field', bytes: `GET / HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n` },
  { name: 'two pipelined requests', bytes: `GET /a HTTP/1.1\r\n${H}\r\nGET /b HTTP/1.1\r\n${H}\r\n` },
  { name: 'a body shorter than its Content-Length', bytes: `POST /x HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nhello` },
  { name: 'a head without its final empty line', bytes: `GET / HTTP/1.1\r\n${H}` },
  { name: 'garbage', bytes: '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' },
];

/** Why ours answers differently from node:http, by case name. */
const EXPLAINED: Record<string, string> = {
  'two Host fields': 'RFC 9112 §3.2: more than one Host field MUST get a 400; node keeps the first and drops the rest',
  'two equal Content-Length fields':
    'RFC 9110 §8.6 lets a recipient accept a list of identical values as one; llhttp refuses any duplicate Content-Length. Accepting is safe: there is one length',
  'a lower-case method': 'methods are case-sensitive tokens (RFC 9110 §9.1): ours hands any token on and the route answers 405/404; llhttp knows only a fixed list of methods',
  'an unknown method token': 'same: any token is a syntactically valid method (RFC 9110 §9.1); the router, not the parser, refuses it',
  'gzip, chunked coding': 'ours supports only "chunked" as a transfer coding and refuses others with 501 (RFC 9112 §6.1); node accepts the list and leaves the gzip layer to the application',
  'chunked in HTTP/1.0': 'RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing (a smuggling vector), so ours refuses it; node reads the chunks',
  'two spaces in the request line':
    'RFC 9112 §3: the request line is method SP target SP version with single spaces; ours refuses other whitespace (RFC 9112 §3 allows either, and a lax split is a request-smuggling vector), llhttp skips the extra space',
  'HTTP/2.0 in a request line': 'an HTTP/2 client sends the h2 preface, never an HTTP/1 request line with 2.0: ours answers 505, llhttp parses it as an HTTP/1 request',
  'no version': 'a request line without a version is HTTP/0.9, which ours does not speak (no status line, no headers to answer with); llhttp accepts it',
  'a body shorter than its Content-Length':
    'end of input: node answers the cut-off request with 400 when the client half-closes; our parser is sans-I/O and never told of the end, so it waits, and the server closes the connection on end without an answer',
  'a head without its final empty line': 'the same end-of-input difference as a body shorter than its Content-Length',
  garbage:
    'ours judges a request line only once its CRLF arrives (bounded by the request-line limit, and the header deadline closes the socket); llhttp refuses at the first byte that cannot start a method',
};

function oursOn(bytes: string): Outcome {
  const parser = new HttpRequestParser();
  let requests;
  try {
    requests = parser.push(Buffer.from(bytes, 'latin1'));
  } catch (err) {
    if (err instanceof ProtocolError) return { kind: 'refused' };
    throw err;
  }
  if (parser.error !== undefined && requests.length === 0) return { kind: 'refused' };
  if (requests.length === 0) return { kind: 'incomplete' };
  return {
    kind: 'requests',
    requests: requests.map((r) => ({ method: r.method, target: r.target, version: r.version, body: Buffer.from(r.body).toString('latin1') })),
  };
}

let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = JSON.stringify({ method: req.method, target: req.url, version: req.httpVersion, body: Buffer.concat(parts).toString('latin1') });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Sends the bytes, half-closes, and reads every response until node closes the connection. */
function nodeOn(bytes: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 2000);
    socket.on('data', (c) => got.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(readResponses(Buffer.concat(got).toString('latin1')));
    });
    socket.end(Buffer.from(bytes, 'latin1'));
  });
}

function readResponses(text: string): Outcome {
  const requests: { method: string; target: string; version: string; body: string }[] = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const head = rest.slice(0, end);
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
    if (status !== 200) return requests.length > 0 ? { kind: 'requests', requests } : { kind: 'refused' };
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
    requests.push(JSON.parse(rest.slice(end + 4, end + 4 + length)));
    rest = rest.slice(end + 4 + length);
  }
  return requests.length > 0 ? { kind: 'requests', requests } : { kind: 'incomplete' };
}

describe('our HTTP request parser beside node:http (llhttp), on the same bytes', () => {
  const results = new Map<string, { ours: Outcome; node: Outcome }>();

  for (const c of CASES) {
    it(`${c.name}: ${c.name in EXPLAINED ? 'differs, for a stated reason' : 'same answer'}`, async () => {
      const ours = oursOn(c.bytes);
      const node = await nodeOn(c.bytes);
      results.set(c.name, { ours, node });
      if (!(c.name in EXPLAINED)) expect(ours).toEqual(node);
      else expect(ours).not.toEqual(node);
    });
  }

  it('refuses everything node refuses except where EXPLAINED says why not (ours is never the laxer one unexplained)', () => {
    const laxer = [...results].filter(([name, r]) => r.node.kind === 'refused' && r.ours.kind !== 'refused' && !(name in EXPLAINED)).map(([n]) => n);
    expect(laxer).toEqual([]);
  });
});
