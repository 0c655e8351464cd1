/**
 * The URL path of a stream, `/APP/STREAM`, each name segment percent-encoded on its own: a stream
 * named `studio/cam2` (path `live/studio/cam2`) is `/live/studio/cam2`, never `/live/studio%2Fcam2`,
 * which the server refuses (an encoded `/` inside a segment is HTTP_PATH_TRAVERSAL).
 */
export function streamUrlPath(app: string, stream: string): string {
  return `/${`${app}/${stream}`.split('/').map(encodeURIComponent).join('/')}`;
}
