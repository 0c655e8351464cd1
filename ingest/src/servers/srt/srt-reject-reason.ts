import type { AuthReason } from '#ingest/auth/authorizer.js';
import type { StreamNameErrorCode } from '#domain/canonical-stream.js';
import { SRT_REJECT } from '#ingest/protocols/srt/srt-handshake.js';

/** A refusal of a caller's stream id: the reject code it gets, the code and words of our log line. */
export interface SrtStreamIdRefusal {
  /** What libsrt's `srt_getrejectreason()` returns to the caller. */
  readonly reject: number;
  /** `srt.refused` code. */
  readonly code: string;
  /** What to fix, for the log line. */
  readonly reason: string;
}

const NAME_REFUSALS: Record<StreamNameErrorCode, SrtStreamIdRefusal> = {
  STREAM_NAME_INCOMPLETE: { reject: SRT_REJECT.badRequest, code: 'SRT_STREAM_NAME_INCOMPLETE', reason: 'the stream id names no stream after the app: write APP/STREAM (publish:live/cam1, r=live/cam1)' },
  STREAM_NAME_BAD_SEGMENT: { reject: SRT_REJECT.badRequest, code: 'SRT_STREAM_NAME_BAD_SEGMENT', reason: 'the stream path has an empty, "." or ".." segment' },
  STREAM_NAME_BAD_CHARACTER: { reject: SRT_REJECT.badRequest, code: 'SRT_STREAM_NAME_BAD_CHARACTER', reason: 'the stream path has a control character, backslash or "?"' },
  STREAM_NAME_TOO_LONG: { reject: SRT_REJECT.unacceptable, code: 'SRT_STREAM_NAME_TOO_LONG', reason: 'the app is longer than 256 characters or the path longer than 513' },
};

/**
 * The SRT rejection for a stream id that names no stream, mapped once (libsrt access_control.h):
 * an unknown mode is 1405 `SRT_REJX_BAD_MODE`; a malformed id or path 1400 `SRT_REJX_BAD_REQUEST`;
 * a name too long to serve 1406 `SRT_REJX_UNACCEPTABLE`. `code` is a ProtocolError code of the
 * stream-id parser (`SRT_BAD_STREAM_ID`, `SRT_BAD_MODE`) or a StreamNameError code.
 */
export function srtStreamIdRefusal(code: string): SrtStreamIdRefusal {
  if (code in NAME_REFUSALS) return NAME_REFUSALS[code as StreamNameErrorCode];
  if (code === 'SRT_BAD_MODE') return { reject: SRT_REJECT.badMode, code, reason: 'the mode is not publish or read (m=publish or m=request)' };
  return { reject: SRT_REJECT.badRequest, code: 'SRT_BAD_STREAM_ID', reason: 'the stream id is not publish:APP/STREAM[:USER:PASS], read:APP/STREAM or #!::r=APP/STREAM,m=…' };
}

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
