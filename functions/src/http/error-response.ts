import { UserExistsError, UserNotFoundError, ValidationError, VersionConflictError } from '../../../domain/src/errors.js';
import { HttpError } from './http-error.js';

/** JSON error body every streamgate API answers with (except Wowza's `/token`). */
export interface ErrorBody {
  error: string;
  message: string;
  field?: string;
}

/**
 * Maps an error to status + body, once, at the HTTP edge. Unknown errors become a 500
 * `internal` whose body says nothing about the cause (the caller logs it).
 */
export function errorResponse(err: unknown): { status: 400 | 401 | 404 | 405 | 409 | 413 | 415 | 500; body: ErrorBody } {
  if (err instanceof ValidationError) return { status: 400, body: { error: err.code, message: err.message, field: err.field } };
  if (err instanceof HttpError) return { status: err.status, body: { error: err.code, message: err.message } };
  if (err instanceof UserNotFoundError) return { status: 404, body: { error: err.code, message: err.message } };
  if (err instanceof UserExistsError || err instanceof VersionConflictError) return { status: 409, body: { error: err.code, message: err.message } };
  return { status: 500, body: { error: 'internal', message: 'internal error' } };
}
