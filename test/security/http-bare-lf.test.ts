/**
 * The HTTP parser on 8080 refuses a bare LF line end (400), like a CR without LF: two parsers
 * that split the same bytes differently are a request-smuggling vector behind a proxy. On the code
 * before this, `GET /healthz` with bare LF line ends got 200.
 */
import { describe, expect, it } from 'vitest';
import { useTestIngest } from '../support/use-test-ingest.js';
import { rawExchange } from '../support/raw-exchange.js';

describe('HTTP: bare LF line ends', () => {
  const t = useTestIngest();

  const send = (bytes: string): Promise<string> => rawExchange(t.ingest.ports.http, [bytes], { endAfterMs: 500 });

  it.each([
    ['after the request line', 'GET /healthz HTTP/1.1\nHost: h\r\n\r\n', 'HTTP_BAD_REQUEST_LINE'],
    ['after a header', 'GET /healthz HTTP/1.1\r\nHost: h\n\r\n', 'HTTP_BAD_HEADER'],
    ['everywhere', 'GET /healthz HTTP/1.1\nHost: h\n\n', 'HTTP_BAD_REQUEST_LINE'],
  ])('is refused with 400 %s', async (_where, bytes, code) => {
    const answer = await send(bytes);
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(answer).toContain(code);
  });

  it('CRLF still works', async () => {
    expect((await send('GET /healthz HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n')).split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
  });
});
