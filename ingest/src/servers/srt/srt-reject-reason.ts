import type { AuthReason } from '../../auth/authorizer.js';
import { SRT_REJECT } from '../../protocols/srt/srt-handshake.js';

/**
 * The SRT rejection for an auth denial, mapped once (SRT access-control codes, HTTP-like): wrong
 * or missing credentials 1401 `SRT_REJX_UNAUTHORIZED`, no grant 1403 `SRT_REJX_FORBIDDEN`,
 * throttled 1402 `SRT_REJX_OVERLOAD`, auth service down 1503 `SRT_REJX_DOWN`, malformed 1400.
 */
export function srtRejectReason(reason: AuthReason): number {
  switch (reason) {
    case 'no_credentials':
    case 'bad_credentials':
    case 'challenge_invalid':
      return SRT_REJECT.unauthorized;
    case 'throttled':
      return SRT_REJECT.overload;
    case 'service_unavailable':
    case 'timeout':
      return SRT_REJECT.down;
    case 'bad_request':
      return SRT_REJECT.badRequest;
    default:
      return SRT_REJECT.forbidden;
  }
}
