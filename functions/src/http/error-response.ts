import { UserExistsError, UserNotFoundError, ValidationError, VersionConflictError } from '#domain/errors.js';
import { HttpError } from './http-error.js';

/** JSON error body every streamgate API answers with (except Wowza's `/token`). */
export interface ErrorBody {
  error: string;
  message: string;
  field?: string;
}

/** The challenge every 401 of the functions carries (RFC 9110 §11.6.1, RFC 6750 §3). */
export const BEARER_CHALLENGE = 'Bearer realm="streamgate"';

/**
 * Maps an error to status + body (+ headers), once, at the HTTP edge. Unknown errors become a
 * 500 `internal` whose body says nothing about the cause (the caller logs it). A 401 always
 * carries `WWW-Authenticate`.
 */
export function errorResponse(err: unknown): {
  status: 400 | 401 | 404 | 405 | 409 | 413 | 415 | 429 | 500;
  body: ErrorBody;
  headers?: Record<string, string>;
} {
  if (err instanceof ValidationError) return { status: 400, body: { error: err.code, message: err.message, field: err.field } };
  if (err instanceof HttpError) {
    const headers = err.status === 401 ? { 'WWW-Authenticate': BEARER_CHALLENGE, ...err.headers } : err.headers;
    return { status: err.status, body: { error: err.code, message: err.message }, headers };
  }
  if (err instanceof UserNotFoundError) return { status: 404, body: { error: err.code, message: err.message } };
  if (err instanceof UserExistsError || err instanceof VersionConflictError) return { status: 409, body: { error: err.code, message: err.message } };
  return { status: 500, body: { error: 'internal', message: 'internal error' } };
}
