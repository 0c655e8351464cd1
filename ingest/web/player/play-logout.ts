import { streamUrlPath } from './stream-url-path.js';
/**
 * Ends the player login (`POST /APP/STREAM/logout`): the ingest answers 204 with a Set-Cookie
 * that removes the HttpOnly login cookie, which the page itself cannot touch. True once it is gone.
 */
export async function playLogout(app: string, stream: string): Promise<boolean> {
  const url = `${streamUrlPath(app, stream)}/logout`;
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'X-Streamgate-Player': '1' }, credentials: 'same-origin', cache: 'no-store' });
    return res.status === 204;
  } catch {
    return false;
  }
}
