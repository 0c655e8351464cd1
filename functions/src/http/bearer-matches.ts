import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * True when `presented` is the `expected` token. Compares SHA-256 digests in constant time, so
 * neither the token nor its length leaks through timing. An empty `expected` never matches.
 */
export function tokenMatches(presented: string, expected: string | undefined): boolean {
  if (!expected) return false;
  return timingSafeEqual(createHash('sha256').update(presented).digest(), createHash('sha256').update(expected).digest());
}

/**
 * True when the `authorization` header is `Bearer <expected>` ({@link tokenMatches}). For a
 * caller that is identified, not refused, by its bearer (the ingest on `/token`); routes that
 * require one use {@link bearerGuard}.
 */
export function bearerMatches(header: string | undefined, expected: string | undefined): boolean {
  const m = header === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return m !== null && tokenMatches(m[1]!, expected);
}
