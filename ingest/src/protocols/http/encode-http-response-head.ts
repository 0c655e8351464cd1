/** Reason phrases of every status RFC 9110 §15 defines (what the 8080 listener and its console send). */
export const HTTP_REASON: Readonly<Record<number, string>> = {
  100: 'Continue',
  101: 'Switching Protocols',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  203: 'Non-Authoritative Information',
  204: 'No Content',
  205: 'Reset Content',
  206: 'Partial Content',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

/** The reason phrase for `status`; a status outside the table gets its class's name (RFC 9110 §15). */
export function httpReasonPhrase(status: number): string {
  const known = HTTP_REASON[status];
  if (known !== undefined) return known;
  const classes: Record<number, string> = { 1: 'Informational', 2: 'Success', 3: 'Redirection', 4: 'Client Error', 5: 'Server Error' };
  return classes[Math.floor(status / 100)] ?? 'Status';
}

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
  const lines = [`HTTP/1.1 ${status} ${httpReasonPhrase(status)}`];
  for (const [name, value] of Object.entries(headers)) {
    const text = String(value);
    if (/[\r\n]/.test(name) || /[\r\n]/.test(text)) throw new TypeError(`Line break in response header ${name}`);
    lines.push(`${name}: ${text}`);
  }
  return new Uint8Array(Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'));
}
