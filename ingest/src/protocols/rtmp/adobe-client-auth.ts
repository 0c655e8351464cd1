import { adobeResponse } from '#domain/adobe-auth.js';
import { splitQuery } from '#domain/split-query.js';

/** What a publisher with credentials does after its connect was refused. */
export type AdobeClientStep =
  /** Connect again (a new connection) with `query` after the app: the next step of the login. */
  | { readonly kind: 'retry'; readonly query: string }
  /** The server refused these credentials (`reason=authfailed`/`nosuchuser`): stop. */
  | { readonly kind: 'failed'; readonly reason: string }
  /** Not an Adobe challenge: the refusal stands as it is. */
  | { readonly kind: 'none' };

/**
 * The client side of Adobe RTMP auth (what FFmpeg's `rtmp://user:pass@` and OBS do), sans-I/O:
 * read the `_error` description of a refused connect and say how to connect next.
 *
 * 1. `code=403 need auth; authmod=adobe` → connect again with `authmod=adobe&user=USER`.
 * 2. `?reason=needauth&user=…&salt=S&challenge=C&opaque=O` → connect again with
 *    `authmod=adobe&user=USER&challenge=C2&response=R&opaque=O`, where C2 is our own challenge
 *    and R = base64(md5(base64(md5(USER + S + PASSWORD)) + (O or C) + C2)), as FFmpeg does.
 * 3. `reason=authfailed` / `reason=nosuchuser` → failed.
 *
 * Values travel as they are, not percent-encoded (salts and responses are base64: `+ / =`), as
 * every client and server of this scheme expects.
 */
export function adobeClientStep(description: string, user: string, password: string, clientChallenge: string): AdobeClientStep {
  if (!description.includes('authmod=adobe')) return { kind: 'none' };
  const q = description.indexOf('?');
  const params = new Map<string, string>();
  if (q >= 0) for (const [name, value] of splitQuery(description.slice(q + 1))) if (name !== '') params.set(name, value.trim());
  const reason = params.get('reason');
  if (reason === 'needauth') {
    const salt = params.get('salt');
    const challenge = params.get('challenge') ?? '';
    const opaque = params.get('opaque') ?? '';
    if (salt === undefined) return { kind: 'failed', reason: 'challenge without salt' };
    const response = adobeResponse({ user, password, salt, challenge, opaque, clientChallenge });
    return { kind: 'retry', query: `authmod=adobe&user=${user}&challenge=${clientChallenge}&response=${response}${opaque !== '' ? `&opaque=${opaque}` : ''}` };
  }
  if (reason !== undefined) return { kind: 'failed', reason };
  if (description.includes('code=403 need auth')) return { kind: 'retry', query: `authmod=adobe&user=${user}` };
  return { kind: 'none' };
}
