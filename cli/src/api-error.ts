import { StreamgateError } from '../../domain/src/errors.js';

/** The users API answered an error (or could not be reached: status 0, code `unreachable`). */
export class ApiError extends StreamgateError {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
