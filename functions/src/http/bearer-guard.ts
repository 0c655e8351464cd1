import type { Context, MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import type { FailureThrottle } from '#domain/failure-throttle.js';
import { tokenMatches } from './bearer-matches.js';
import { clientIp } from './client-ip.js';
import { HttpError } from './http-error.js';

/** Options of {@link bearerGuard}. */
export interface BearerGuardOptions {
  /** The token to present; unset or empty refuses everyone. */
  token: string | undefined;
  /** The message of the 401 body. */
  message: string;
  /**
   * Counts refusals per source address; a source that used up its failures gets 429
   * `too_many_failures` (with `Retry-After: 60`) until its window ends, even with the right token.
   */
  throttle?: FailureThrottle;
}

/**
 * Hono's `bearerAuth` with the functions' answers: every refusal (no header, a malformed one, a
 * wrong token) is a JSON 401 `unauthorized` with `WWW-Authenticate: Bearer realm="streamgate"`
 * (through the app's onError), counted by the throttle; the token is compared as SHA-256
 * digests in constant time ({@link tokenMatches}).
 */
export function bearerGuard(options: BearerGuardOptions): MiddlewareHandler {
  const refuse = (c: Context): never => {
    options.throttle?.recordFailure(clientIp(c));
    throw new HttpError(401, 'unauthorized', options.message);
  };
  const check = bearerAuth({
    verifyToken: (token) => tokenMatches(token, options.token),
    noAuthenticationHeader: { message: refuse },
    invalidAuthenticationHeader: { message: refuse },
    invalidToken: { message: refuse },
  });
  return async (c, next) => {
    if (options.throttle?.isBlocked(clientIp(c))) {
      throw new HttpError(429, 'too_many_failures', 'too many wrong admin tokens from this address; wait a minute', { headers: { 'Retry-After': '60' } });
    }
    return check(c, next);
  };
}
