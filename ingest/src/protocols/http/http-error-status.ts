/**
 * The coded ProtocolErrors of the HTTP request parser and path normaliser, each with the HTTP
 * status the 8080 listener answers before it closes the connection. Tests and logs key on the
 * codes; the server maps them here, once (STYLE habit 8).
 */
export const HTTP_ERROR_STATUS = {
  /** Request line is not `method SP request-target SP HTTP-version`, or its parts are malformed. */
  HTTP_BAD_REQUEST_LINE: 400,
  /** request-target longer than LIMITS.httpMaxUriLength (RFC 9112 §3). */
  HTTP_URI_TOO_LONG: 414,
  /** Request line plus header section longer than LIMITS.httpMaxHeaderBytes. */
  HTTP_HEADERS_TOO_LONG: 431,
  /** More header (or trailer) fields than LIMITS.httpMaxHeaderCount. */
  HTTP_TOO_MANY_HEADERS: 431,
  /** A header line that is not `token ":" OWS value OWS`, obs-fold, or a control byte in a value. */
  HTTP_BAD_HEADER: 400,
  /** HTTP/1.1 request without exactly one Host field (RFC 9112 §3.2). */
  HTTP_BAD_HOST: 400,
  /** HTTP-version other than 1.0 or 1.1. */
  HTTP_VERSION_NOT_SUPPORTED: 505,
  /** A `..` segment, or an encoded `/`, `\` or NUL inside a path segment. */
  HTTP_PATH_TRAVERSAL: 400,
  /** Content-Length not digits, several different values, or together with Transfer-Encoding. */
  HTTP_BAD_CONTENT_LENGTH: 400,
  /** Declared or accumulated body larger than LIMITS.httpMaxBodySize. */
  HTTP_BODY_TOO_LARGE: 413,
  /** Malformed chunked framing (size line, missing CRLF after data). */
  HTTP_BAD_CHUNK: 400,
  /** A Transfer-Encoding other than `chunked` (RFC 9112 §6.1: 501). */
  HTTP_UNSUPPORTED_TRANSFER_ENCODING: 501,
  /** No route for the path (routeHttpRequest), or no such stream/segment (the server). */
  HTTP_NOT_FOUND: 404,
  /** A route that exists but not for this method (answer with an Allow field). */
  HTTP_METHOD_NOT_ALLOWED: 405,
  /** Anything but POST on a player login or logout path (answer with `Allow: POST`). */
  HTTP_LOGIN_METHOD_NOT_ALLOWED: 405,
  /** An application or stream name in the path that no publisher could have (empty, overlong). */
  HTTP_BAD_STREAM_NAME: 400,
  /** The request being assembled passed the connection's pending-bytes bound (pending-bytes-budget.ts). */
  PENDING_BYTES_LIMIT: 413,
  /** The process-wide pending-bytes budget is used up: try again later. */
  PENDING_BYTES_BUDGET_EXHAUSTED: 503,
} as const;

/** One of the codes the HTTP layer raises. */
export type HttpErrorCode = keyof typeof HTTP_ERROR_STATUS;

/**
 * The HTTP status for a ProtocolError code raised by the HTTP layer; 400 for any other code (a
 * peer's bad bytes are a client error unless we know better).
 */
export function httpErrorStatus(code: string): number {
  return (HTTP_ERROR_STATUS as Record<string, number>)[code] ?? 400;
}
