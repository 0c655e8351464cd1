import type { Context } from 'hono';
import { HttpError } from './http-error.js';
import { readCappedBody } from '#domain/read-capped-body.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads and parses a JSON object body of at most `maxBytes`. Throws HttpError 413
 * `body_too_large`, 400 `invalid_json` (bad UTF-8, bad JSON) or 400 `invalid_body` (not an
 * object). Content-Type is not enforced: curl users forget it, and the body decides.
 */
export async function readJsonBody(c: Context, maxBytes: number): Promise<Record<string, unknown>> {
  const read = await readCappedBody(c.req.raw, maxBytes);
  const bytes = read.ok ? read.bytes : undefined;
  if (!bytes) throw new HttpError(413, 'body_too_large', `request body larger than ${maxBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch (err) {
    throw new HttpError(400, 'invalid_json', `request body is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'invalid_body', 'request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}
