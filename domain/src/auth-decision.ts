/**
 * Stable reasons of an {@link AuthDecision}. Logs, metrics and the protocol edges key on these.
 * - `allowed`: credentials (if needed) and ACL said yes.
 * - `auth_off`: auth is disabled (STREAMGATE_AUTH=off).
 * - `play_auth_off`: a play while players need no credentials (STREAMGATE_PLAY_AUTH=none) but
 *   publishers do: told apart from `auth_off`, which would read as if publish auth were off too.
 * - `no_credentials`: auth required but nothing was presented.
 * - `bad_credentials`: unknown/disabled user or wrong password (deliberately not told apart).
 * - `user_disabled`: a live session's user was disabled since it was let in (re-checks only: the
 *   user proved the password before, so saying it tells nobody anything new).
 * - `credentials_changed`: a live session's password was changed or its user removed since it
 *   was let in (re-checks only).
 * - `challenge_invalid`: an Adobe/llnw answer with a malformed, altered, expired or replayed challenge.
 * - `stream_not_allowed`: the ACL denied this user this stream (or action, or source address).
 * - `throttled`: too many recent failures from this remote address.
 * - `service_unavailable`: the functions could not be reached or answered nonsense (fail closed).
 * - `timeout`: the functions did not answer within the deadline (fail closed).
 * - `bad_request`: the request itself was unusable (oversized or malformed query).
 */
export type AuthReason =
  | 'allowed'
  | 'auth_off'
  | 'play_auth_off'
  | 'no_credentials'
  | 'bad_credentials'
  | 'user_disabled'
  | 'credentials_changed'
  | 'challenge_invalid'
  | 'stream_not_allowed'
  | 'throttled'
  | 'service_unavailable'
  | 'timeout'
  | 'bad_request';

/** The answer to a publish/play request. */
export interface AuthDecision {
  allowed: boolean;
  reason: AuthReason;
  /** The authenticated user, when one was established. */
  user?: string;
  /** The stream name as decided: any `?query` stripped. */
  stream: string;
  /**
   * When (epoch ms) this answer stops being fresh. A live session should call the authorizer's
   * `recheck` then; absent for answers that never expire (auth off) and for denials.
   */
  recheckAtMs?: number;
  /** For a denial: the text a protocol edge sends (onStatus description, RTSP reason). */
  description?: string;
}

/**
 * The `NetStream.Publish.Denied` / `NetStream.Play.Failed` description for a stream the logged-in
 * user may not use (Wowza's wording, which clients match on). `name` is the stream name with its query stripped.
 */
export function streamNotAllowedDescription(name: string): string {
  return `Stream name not allowed for the logged in user: ${name}`;
}

/**
 * The human text for a denial `reason` on `stream` (query already stripped). Stream denials use
 * {@link streamNotAllowedDescription}; credential failures say nothing about which part failed.
 */
export function describeDenial(reason: AuthReason, stream: string): string {
  switch (reason) {
    case 'stream_not_allowed':
      return streamNotAllowedDescription(stream);
    case 'no_credentials':
      return 'Authentication required';
    case 'bad_credentials':
    case 'challenge_invalid':
      return 'Authentication failed';
    case 'user_disabled':
      return 'User disabled';
    case 'credentials_changed':
      return 'Credentials changed: log in again';
    case 'throttled':
      return 'Too many failed attempts, try again later';
    case 'service_unavailable':
    case 'timeout':
      return 'Authorization service unavailable';
    case 'bad_request':
      return 'Malformed request';
    case 'allowed':
    case 'auth_off':
    case 'play_auth_off':
      return '';
  }
}
