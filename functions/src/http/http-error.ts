import { StreamgateError } from '#domain/errors.js';

/** An HTTP-edge failure with its status (401, 404 route, 405, 413, 429, 400 invalid_json) and extra headers. */
export class HttpError extends StreamgateError {
  override readonly name = 'HttpError';
  readonly headers: Record<string, string>;
  constructor(
    readonly status: 400 | 401 | 404 | 405 | 413 | 415 | 429,
    code: string,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(code, message, options);
    this.headers = options?.headers ?? {};
  }
}
