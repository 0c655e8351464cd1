/**
 * A stream path (`live/studio/cam2`) for a URL, each name segment percent-encoded on its own:
 * `live/studio/cam2`, never `live/studio%2Fcam2`, which the server refuses (an encoded `/` inside
 * a segment is HTTP_PATH_TRAVERSAL).
 */
export function encodeStreamPath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** The URL path of a stream, `/APP/STREAM` (see encodeStreamPath). */
export function streamUrlPath(app: string, stream: string): string {
  return `/${encodeStreamPath(`${app}/${stream}`)}`;
}
