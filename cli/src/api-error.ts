import { StreamgateError } from '#domain/errors.js';

/** The users API answered an error (or could not be reached: status 0, code `unreachable`). */
export class ApiError extends StreamgateError {
  override readonly name = 'ApiError';
  /** A line telling the user what to try (printed under the error). */
  readonly hint: string | undefined;
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly field?: string,
    options?: { cause?: unknown; hint?: string },
  ) {
    super(code, message, options);
    this.hint = options?.hint;
  }
}
