import { streamUrlPath } from './stream-url-path.js';
/** What a player login came to, with the text the page shows. */
export interface PlayLoginResult {
  readonly ok: boolean;
  /** HTTP status of the answer (0: the request failed). */
  readonly status: number;
  readonly message: string;
}

/**
 * Logs in as a player for `app/stream` (STREAMGATE_PLAY_AUTH=required): `POST /APP/STREAM/login`
 * with `Authorization: Basic`, never the URL, so the password lands in no access log or history.
 * On success the ingest sets an HttpOnly cookie that the media requests of every engine (mpegts.js
 * fetch, hls.js XHR, native HLS) send by themselves; the page keeps no password.
 */
export async function playLogin(app: string, stream: string, user: string, password: string): Promise<PlayLoginResult> {
  const url = `${streamUrlPath(app, stream)}/login`;
  // btoa takes Latin-1 only: encode UTF-8 bytes first (RFC 7617 §2.1, charset UTF-8).
  const pair = new TextEncoder().encode(`${user}:${password}`);
  let binary = '';
  for (const b of pair) binary += String.fromCharCode(b);
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { Authorization: `Basic ${btoa(binary)}` }, credentials: 'same-origin', cache: 'no-store' });
  } catch (err) {
    return { ok: false, status: 0, message: `Login request failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  const code = (await res.text().catch(() => '')).trim();
  switch (res.status) {
    case 204:
    case 200:
      return { ok: true, status: res.status, message: `Logged in as ${user}.` };
    case 401:
      return { ok: false, status: 401, message: `Wrong user name or password (${code || 'HTTP 401'}).` };
    case 403:
      return { ok: false, status: 403, message: `User ${user} may not play ${app}/${stream} (${code || 'HTTP 403'}).` };
    case 429:
      return { ok: false, status: 429, message: `Too many failed logins from this address; wait a minute and try again (${code || 'HTTP 429'}).` };
    case 503:
      return { ok: false, status: 503, message: `The authorization service is unavailable; try again later (${code || 'HTTP 503'}).` };
    default:
      return { ok: false, status: res.status, message: `Login refused: HTTP ${res.status} ${code}`.trim() };
  }
}
