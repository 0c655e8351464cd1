import { StreamgateError } from './errors.js';

/**
 * Stable codes of {@link RtmpAuthError}. Tests and logs key on these; messages are for humans.
 * - `auth_query_too_long`: a connect/stream query longer than its limit.
 * - `auth_query_too_many_params`: more `&`-separated parameters than allowed.
 * - `auth_param_too_long`: one parameter value longer than allowed.
 * - `auth_bad_percent_encoding`: a decoded-variant value with a broken `%xx` escape or bad UTF-8.
 * - `auth_description_too_long`: a challenge description would exceed the 255 bytes clients copy.
 * - `auth_bad_user`: a user name that cannot be echoed in a challenge (charset or length).
 */
export type RtmpAuthErrorCode =
  | 'auth_query_too_long'
  | 'auth_query_too_many_params'
  | 'auth_param_too_long'
  | 'auth_bad_percent_encoding'
  | 'auth_description_too_long'
  | 'auth_bad_user';

/** Credentials or a challenge carrier that we refuse to parse or build (bounded, coded). */
export class RtmpAuthError extends StreamgateError<RtmpAuthErrorCode> {
  override readonly name = 'RtmpAuthError';
}
