/** Reason phrases for the statuses the 8080 listener sends. */
export const HTTP_REASON: Readonly<Record<number, string>> = {
  100: 'Continue',
  200: 'OK',
  204: 'No Content',
  206: 'Partial Content',
  301: 'Moved Permanently',
  304: 'Not Modified',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  414: 'URI Too Long',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
};

/**
 * Serialises an HTTP/1.1 status line and header fields followed by the empty line (RFC 9112 §4).
 * `headers` values that are numbers are written in decimal. Names and values must not contain CR
 * or LF (we write our own constant names; values with line breaks throw a TypeError because they
 * are our bug, never a peer's input).
 */
export function encodeHttpResponseHead(
  status: number,
  headers: Readonly<Record<string, string | number>> = {},
): Uint8Array {
  const lines = [`HTTP/1.1 ${status} ${HTTP_REASON[status] ?? 'Unknown'}`];
  for (const [name, value] of Object.entries(headers)) {
    const text = String(value);
    if (/[\r\n]/.test(name) || /[\r\n]/.test(text)) throw new TypeError(`Line break in response header ${name}`);
    lines.push(`${name}: ${text}`);
  }
  return new Uint8Array(Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'));
}
