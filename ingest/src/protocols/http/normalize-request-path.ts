import { LIMITS } from '../limits.js';
import { ProtocolError } from '../protocol-error.js';

/** A request-target split into a safe, decoded path and its raw query. */
export interface RequestPath {
  /** `/` followed by the decoded segments joined with `/`; `*` for the asterisk-form. */
  readonly path: string;
  /** Decoded, non-empty segments; never `.` or `..`, never containing `/`, `\` or NUL. */
  readonly segments: readonly string[];
  /** The raw query after `?` (still percent-encoded), `''` when there is none. */
  readonly query: string;
}

const ASTERISK: RequestPath = { path: '*', segments: [], query: '' };

/**
 * Splits and normalises an HTTP request-target (RFC 9112 §3.2): origin-form `/a/b?q`, absolute-form
 * `http://host/a/b?q` and the asterisk-form `*`. Empty and `.` segments are dropped; `..` segments
 * and encoded `/`, `\` or NUL inside a segment raise HTTP_PATH_TRAVERSAL (we refuse rather than
 * resolve, so no later join can climb out of a root); bad percent-encoding, bytes outside visible
 * ASCII and a fragment raise HTTP_BAD_REQUEST_LINE; a target longer than `maxLength` raises
 * HTTP_URI_TOO_LONG.
 */
export function normalizeRequestPath(target: string, maxLength: number = LIMITS.httpMaxUriLength): RequestPath {
  if (target.length > maxLength) {
    throw new ProtocolError('HTTP_URI_TOO_LONG', `Request-target too long: ${target.length} > limit ${maxLength}`);
  }
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    // RFC 3986 characters are visible ASCII; '#' starts a fragment, which a request never carries.
    if (c <= 0x20 || c >= 0x7f || c === 0x23) {
      throw new ProtocolError('HTTP_BAD_REQUEST_LINE', `Invalid byte 0x${c.toString(16)} in request-target at ${i}`);
    }
  }
  if (target === '*') return ASTERISK;
  let rest = target;
  const absolute = target.charCodeAt(0) === 0x2f ? null : /^https?:\/\/[^/?]*/i.exec(rest);
  if (absolute) rest = rest.slice(absolute[0].length) || '/';
  if (!rest.startsWith('/')) {
    throw new ProtocolError('HTTP_BAD_REQUEST_LINE', 'Request-target is not origin-form, absolute-form or *');
  }
  const q = rest.indexOf('?');
  const rawPath = q === -1 ? rest : rest.slice(0, q);
  const query = q === -1 ? '' : rest.slice(q + 1);
  const segments: string[] = [];
  for (const raw of rawPath.split('/')) {
    // Without a '%' there is nothing to decode (and the byte check above left no NUL).
    let segment = raw;
    if (raw.includes('%')) {
      try {
        segment = decodeURIComponent(raw);
      } catch (cause) {
        throw new ProtocolError('HTTP_BAD_REQUEST_LINE', 'Bad percent-encoding in request path', { cause });
      }
    }
    if (segment === '' || segment === '.') continue;
    if (segment === '..') throw new ProtocolError('HTTP_PATH_TRAVERSAL', 'Path segment ".." refused');
    // A segment not decoded cannot hold '/' (split on it) or NUL (refused above): only '\' to look for.
    if (segment === raw ? raw.includes('\\') : /[/\\\0]/.test(segment)) {
      throw new ProtocolError('HTTP_PATH_TRAVERSAL', 'Encoded "/", "\\" or NUL inside a path segment refused');
    }
    segments.push(segment);
  }
  return { path: '/' + segments.join('/'), segments, query };
}
