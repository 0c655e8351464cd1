import type { Context } from 'hono';
import { HttpError } from './http-error.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses a JSON object body (its size is bounded before, by jsonBodyLimit on the route).
 * Throws HttpError 400 `invalid_json` (bad UTF-8, bad JSON) or 400 `invalid_body` (not an
 * object). Content-Type is not enforced: curl users forget it, and the body decides.
 */
export async function readJsonBody(c: Context): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(await c.req.arrayBuffer()));
  } catch (err) {
    throw new HttpError(400, 'invalid_json', `request body is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'invalid_body', 'request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}
