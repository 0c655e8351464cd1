/**
 * Splits a name as it arrives on the wire (`app?query`, `stream?query`) into the name and its raw
 * query. The query carries credentials or encoder options; it is never part of a stream path.
 */
export function splitQuery(raw: string): { name: string; query: string } {
  const q = raw.indexOf('?');
  return q < 0 ? { name: raw, query: '' } : { name: raw.slice(0, q), query: raw.slice(q + 1) };
}

/** Why a stream or app name is refused, or undefined when it is usable in a path. */
export function invalidNameReason(name: string): string | undefined {
  if (name === '') return 'empty name';
  if (name.split('/').some((part) => part === '' || part === '.' || part === '..')) return 'bad path segment';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(name)) return 'control character or backslash';
  return undefined;
}
