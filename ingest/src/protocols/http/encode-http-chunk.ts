/** The last chunk of a chunked body, with no trailers (RFC 9112 §7.1). */
export const HTTP_LAST_CHUNK: Uint8Array = Uint8Array.of(0x30, 0x0d, 0x0a, 0x0d, 0x0a);

/**
 * One chunk of a `Transfer-Encoding: chunked` response body (RFC 9112 §7.1): hex size, CRLF, data,
 * CRLF. Empty data gives an empty array (a zero-size chunk would end the body). HTTP-FLV streams
 * its tags this way.
 */
export function encodeHttpChunk(data: Uint8Array): Uint8Array {
  if (data.length === 0) return new Uint8Array(0);
  const size = Buffer.from(data.length.toString(16) + '\r\n', 'latin1');
  const out = new Uint8Array(size.length + data.length + 2);
  out.set(size, 0);
  out.set(data, size.length);
  out[out.length - 2] = 0x0d;
  out[out.length - 1] = 0x0a;
  return out;
}
