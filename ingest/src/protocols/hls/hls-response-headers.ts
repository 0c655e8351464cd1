import { CORS_HEADERS } from '../http/cors-headers.js';

/**
 * Header fields of HLS answers: the media types of RFC 8216 §4 / §3.2, CORS for browser players,
 * and caching that suits a live stream (a playlist changes every segment; a segment never changes,
 * so CDNs may keep it — design for CloudFront in front later).
 */
export function hlsResponseHeaders(kind: 'playlist' | 'segment', targetDuration = 2): Record<string, string> {
  if (kind === 'playlist') {
    return {
      ...CORS_HEADERS,
      'Content-Type': 'application/vnd.apple.mpegurl',
      // Half a target duration: clients reload about once per target duration (RFC 8216 §6.3.4).
      'Cache-Control': `max-age=${Math.max(0, Math.floor(targetDuration / 2))}`,
    };
  }
  return { ...CORS_HEADERS, 'Content-Type': 'video/mp2t', 'Cache-Control': 'max-age=60' };
}
