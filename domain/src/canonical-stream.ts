import { StreamgateError } from './errors.js';
import { foldNameCase } from './fold-name-case.js';

/** Longest application (first path segment) accepted, in characters after case folding. */
export const STREAM_APP_MAX_LENGTH = 256;
/**
 * Longest canonical path accepted: an app and a stream of 256 characters each and the slash
 * between them, the longest either side accepted before the path was canonical.
 */
export const STREAM_PATH_MAX_LENGTH = 2 * 256 + 1;

/**
 * The one identity of a live stream. `path` is `app/stream`: the hub's key, the ACL's subject,
 * what HLS segment tokens are bound to, and the stream label of logs and metrics. `app` is the
 * first path segment and `stream` everything after it (it may contain `/`), whatever split the
 * client used to send it.
 */
export interface StreamIdentity {
  readonly app: string;
  readonly stream: string;
  readonly path: string;
}

/** Stable codes of {@link StreamNameError}. */
export type StreamNameErrorCode =
  /** Nothing usable, or only an app with no stream after it. */
  | 'STREAM_NAME_INCOMPLETE'
  /** An empty, `.` or `..` path segment (`live//x`, `/live`, `live/../x`). */
  | 'STREAM_NAME_BAD_SEGMENT'
  /** A control character, backslash or `?` (a query the caller should have split off, or `%3F`). */
  | 'STREAM_NAME_BAD_CHARACTER'
  /** Longer than {@link STREAM_APP_MAX_LENGTH} or {@link STREAM_PATH_MAX_LENGTH}. */
  | 'STREAM_NAME_TOO_LONG';

/** What a client sent cannot name a stream. The message never repeats more than 64 characters of it. */
export class StreamNameError extends StreamgateError<StreamNameErrorCode> {
  override readonly name = 'StreamNameError';
}

// C0 controls, DEL, C1 controls, backslash, '?', and the Unicode line/paragraph separators.
// eslint-disable-next-line no-control-regex
const BAD_CHARACTER = /[\u0000-\u001f\u007f-\u009f\\?\u2028\u2029]/;

/**
 * Turns what a client sent into the canonical stream identity. Every protocol calls it with the
 * parts it has, query already split off: RTMP `(connect app, publish/play name)`, RTSP and HTTP
 * the URL's path segments, SRT and relays a whole `app/stream` path, raw FLV/TS `(configured app,
 * name from the input)`. The parts are joined with `/` and split again at the FIRST slash, so
 * `('live/carol-x', 'feed')`, `('live', 'carol-x/feed')` and `'live/carol-x/feed'` are one
 * stream `live` + `carol-x/feed`, and the ACL decides on that pair whichever split came in.
 * Case is folded ({@link foldNameCase}): `LIVE/Cam1` is `live/cam1`.
 *
 * Throws {@link StreamNameError} (`STREAM_NAME_*`) for: no stream after the app; an empty, `.`
 * or `..` segment; a control character, backslash or `?`; an app over 256 or a path over 513
 * characters. Pure and idempotent: `canonicalStream(id.path)` is `id`.
 */
export function canonicalStream(...parts: readonly string[]): StreamIdentity {
  const joined = parts.join('/');
  // Bounded before any per-character work (folding can only grow a name so much).
  if (joined.length > 4 * STREAM_PATH_MAX_LENGTH) {
    throw new StreamNameError('STREAM_NAME_TOO_LONG', `stream path of ${joined.length} characters (limit ${STREAM_PATH_MAX_LENGTH})`);
  }
  if (BAD_CHARACTER.test(joined)) {
    throw new StreamNameError('STREAM_NAME_BAD_CHARACTER', `control character, backslash or '?' in stream path ${quote(joined)}`);
  }
  const path = foldNameCase(joined);
  const segments = path.split('/');
  if (segments.length < 2 || segments[segments.length - 1] === '') {
    throw new StreamNameError('STREAM_NAME_INCOMPLETE', `stream path ${quote(joined)} has no stream after the app`);
  }
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new StreamNameError('STREAM_NAME_BAD_SEGMENT', `empty, '.' or '..' segment in stream path ${quote(joined)}`);
  }
  if (path.length > STREAM_PATH_MAX_LENGTH || segments[0]!.length > STREAM_APP_MAX_LENGTH) {
    throw new StreamNameError(
      'STREAM_NAME_TOO_LONG',
      `stream path of ${path.length} characters, app of ${segments[0]!.length} (limits ${STREAM_PATH_MAX_LENGTH}, ${STREAM_APP_MAX_LENGTH})`,
    );
  }
  const slash = path.indexOf('/');
  return { app: path.slice(0, slash), stream: path.slice(slash + 1), path };
}

function quote(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
}
