/**
 * Splits a raw query (with or without its leading `?`) into `[name, value]` pairs in order: on
 * `&`, then at the first `=` (no `=`: the value is `''`); empty parts are skipped. Nothing is
 * decoded: RTMP auth values are base64 (`+ / =` travel as they are), and callers that need
 * percent-decoding do it per pair.
 */
export function splitQuery(query: string): [string, string][] {
  const q = query.startsWith('?') ? query.slice(1) : query;
  const pairs: [string, string][] = [];
  if (q === '') return pairs;
  for (const part of q.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    pairs.push(eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)]);
  }
  return pairs;
}
