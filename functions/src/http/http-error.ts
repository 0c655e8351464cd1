import { StreamgateError } from '../../../domain/src/errors.js';

/** An HTTP-edge failure with its status (401, 404 route, 405, 413, 400 invalid_json). */
export class HttpError extends StreamgateError {
  override readonly name = 'HttpError';
  constructor(
    readonly status: 400 | 401 | 404 | 405 | 413 | 415,
    code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
