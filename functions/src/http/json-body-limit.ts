import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HttpError } from './http-error.js';

/**
 * Hono's `bodyLimit` with the functions' answer: a body over `maxBytes` is refused with JSON 413
 * `body_too_large` before anything parses it (a declared Content-Length over the bound is refused
 * without reading; a chunked body is read only up to the bound).
 */
export function jsonBodyLimit(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new HttpError(413, 'body_too_large', `request body larger than ${maxBytes} bytes`);
    },
  });
}
