import { StreamgateError } from '#domain/errors.js';

/**
 * A peer sent bytes we refuse. `code` is stable (tests and logs key on it); the message is for
 * humans and states the offending number and the limit where there is one.
 */
export class ProtocolError extends StreamgateError {
  override readonly name = 'ProtocolError';
}

/** Throws a ProtocolError `code` when `value > limit`, naming both numbers. */
export function checkLimit(code: string, what: string, value: number, limit: number): void {
  if (value > limit) throw new ProtocolError(code, `${what} too large: ${value} > limit ${limit}`);
}
