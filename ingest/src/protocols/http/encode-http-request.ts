import type { HttpHeader } from './http-request-parser.js';

/** What a client sends: request line, fields in order and a body. */
export interface HttpRequestToSend {
  readonly method: string;
  readonly target: string;
  readonly version: '1.0' | '1.1';
  readonly headers: readonly HttpHeader[];
  /** Sent as one chunk plus the last chunk when true (the headers must then say chunked). */
  readonly chunked?: boolean;
  readonly body?: Uint8Array;
}

/**
 * Serialises an HTTP/1.x request (RFC 9112): the inverse of HttpRequestParser for canonical input
 * (CRLF line ends, `name: value` fields). Used by tests and by clients of our own HTTP endpoints.
 */
export function encodeHttpRequest(request: HttpRequestToSend): Uint8Array {
  const lines = [`${request.method} ${request.target} HTTP/${request.version}`];
  for (const h of request.headers) lines.push(`${h.name}: ${h.value}`);
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
  const body = request.body ?? new Uint8Array(0);
  if (!request.chunked) return new Uint8Array(Buffer.concat([head, body]));
  const parts: Uint8Array[] = [head];
  if (body.length > 0) parts.push(Buffer.from(body.length.toString(16) + '\r\n', 'latin1'), body, Buffer.from('\r\n'));
  parts.push(Buffer.from('0\r\n\r\n', 'latin1'));
  return new Uint8Array(Buffer.concat(parts));
}
