import { ProtocolError } from '../protocol-error.js';

/** What a caller asked for in its stream id. */
export interface SrtStreamRequest {
  readonly mode: 'publish' | 'play';
  /** `APP/STREAM` as sent (query included, if any); the server splits and checks it. */
  readonly path: string;
  readonly user?: string;
  readonly password?: string;
}

/**
 * Parses the stream id of a connecting caller. Accepted forms:
 *
 * - `publish:APP/STREAM[:USER[:PASS]]` and `read:APP/STREAM[:USER[:PASS]]` (MediaMTX's form; the
 *   password is everything after the user's colon; a user without a password proves it with the
 *   SRT passphrase instead, which the server checks);
 * - the SRT Alliance access-control form `#!::r=APP/STREAM,m=publish,u=USER,s=PASS` (`m=request`,
 *   or no `m`, plays; `s` carries the password);
 * - a bare `APP/STREAM` plays.
 *
 * Raises `SRT_BAD_MODE` for a mode other than publish/read (`m=` other than publish/request) and
 * `SRT_BAD_STREAM_ID` for an empty id, a password without a user or an access-control id
 * without `r`.
 */
export function parseSrtStreamId(id: string): SrtStreamRequest {
  const bad = (why: string): never => {
    throw new ProtocolError('SRT_BAD_STREAM_ID', `bad stream id: ${why}`);
  };
  const badMode = (why: string): never => {
    throw new ProtocolError('SRT_BAD_MODE', `bad stream id: ${why}`);
  };
  if (id.startsWith('#!::')) {
    const fields = new Map<string, string>();
    for (const pair of id.slice(4).split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) bad(`"${pair.slice(0, 40)}" is not key=value`);
      fields.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const path = fields.get('r');
    if (path === undefined || path === '') bad('no resource (r=)');
    const m = fields.get('m') ?? 'request';
    if (m !== 'request' && m !== 'publish') badMode(`mode "${m.slice(0, 20)}" (request or publish)`);
    return withCredentials(m === 'publish' ? 'publish' : 'play', path!, fields.get('u'), fields.get('s'), bad);
  }
  const colon = id.indexOf(':');
  const head = colon < 0 ? id : id.slice(0, colon);
  if (head === 'publish' || head === 'read') {
    const rest = id.slice(colon + 1);
    const parts = rest.split(':');
    const path = parts[0]!;
    if (path === '') bad('no path');
    const user = parts.length > 1 ? parts[1] : undefined;
    const password = parts.length > 2 ? parts.slice(2).join(':') : undefined;
    return withCredentials(head === 'publish' ? 'publish' : 'play', path, user, password, bad);
  }
  if (id === '') bad('empty');
  if (colon >= 0) badMode(`unknown mode "${head.slice(0, 20)}" (publish or read)`);
  return { mode: 'play', path: id };
}

function withCredentials(
  mode: SrtStreamRequest['mode'],
  path: string,
  user: string | undefined,
  password: string | undefined,
  bad: (why: string) => never,
): SrtStreamRequest {
  const hasPassword = password !== undefined && password !== '';
  if (!user) {
    if (hasPassword) bad('a password without a user');
    return { mode, path };
  }
  return hasPassword ? { mode, path, user, password } : { mode, path, user };
}
