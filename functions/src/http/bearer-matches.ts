import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * True when the `authorization` header is `Bearer <expected>`. Compares SHA-256 digests in
 * constant time, so neither the token nor its length leaks through timing. An empty
 * `expected` never matches.
 */
export function bearerMatches(header: string | undefined, expected: string | undefined): boolean {
  if (!expected || !header) return false;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!m) return false;
  const a = createHash('sha256').update(m[1]).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
