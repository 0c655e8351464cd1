import { canonicalStream, StreamNameError } from '#domain/canonical-stream.js';

/**
 * Splits a name as it arrives on the wire (`app?query`, `stream?query`) into the name and its raw
 * query. The query carries credentials or encoder options; it is never part of a stream path.
 */
export function splitQuery(raw: string): { name: string; query: string } {
  const q = raw.indexOf('?');
  return q < 0 ? { name: raw, query: '' } : { name: raw.slice(0, q), query: raw.slice(q + 1) };
}

const REASONS: Record<StreamNameError['code'], string> = {
  STREAM_NAME_INCOMPLETE: 'empty name',
  STREAM_NAME_BAD_SEGMENT: 'bad path segment',
  STREAM_NAME_BAD_CHARACTER: 'control character, backslash or ?',
  STREAM_NAME_TOO_LONG: 'name too long',
};

/**
 * Why an app or stream name cannot be part of a canonical stream path (see canonicalStream), or
 * undefined when it can. For a whole stream, call canonicalStream itself.
 */
export function invalidNameReason(name: string): string | undefined {
  if (name === '') return 'empty name';
  try {
    canonicalStream(name, '-');
    return undefined;
  } catch (err) {
    if (err instanceof StreamNameError) return REASONS[err.code];
    throw err;
  }
}
