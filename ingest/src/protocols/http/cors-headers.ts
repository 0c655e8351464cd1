/**
 * CORS fields for playback responses, so hls.js and mpegts.js on another origin can read HLS and
 * HTTP-FLV (Fetch standard, CORS protocol). Playback is public by URL; auth, when configured, is
 * in the query, never a cookie, so `*` is safe.
 */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers': 'Range, Origin, Accept',
  'Access-Control-Expose-Headers': 'Content-Length, Content-Range',
  'Access-Control-Max-Age': '600',
};
