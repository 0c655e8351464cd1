import { StreamgateError } from '#domain/errors.js';

/**
 * Stable codes of {@link AuthServiceError}:
 * - `auth_timeout`: the functions did not answer before the deadline.
 * - `auth_unreachable`: connection refused/reset, DNS failure, TLS failure.
 * - `auth_bad_status`: an HTTP status other than the contract's 200.
 * - `auth_bad_body`: a body that is too large, not JSON, or not the contract's shape.
 */
export type AuthServiceErrorCode = 'auth_timeout' | 'auth_unreachable' | 'auth_bad_status' | 'auth_bad_body';

/** The functions could not give a usable answer. The authorizer turns it into a denial. */
export class AuthServiceError extends StreamgateError<AuthServiceErrorCode> {
  override readonly name = 'AuthServiceError';
}
