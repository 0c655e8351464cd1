/** What {@link readCappedBody} found: the whole body, or how large it was said or seen to be. */
export type CappedBody = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly size: number };

/**
 * Reads the body of a fetch `Request` or `Response` of at most `maxBytes`: refuses at once on a
 * larger (or unparsable) `content-length`, and stops reading a stream that grows past the limit,
 * so a huge or endless body is never buffered. The one size-capped body reader of the functions
 * (request bodies) and the ingest (answers of the functions and the credentials endpoint).
 */
export async function readCappedBody(message: { readonly headers: { get(name: string): string | null }; readonly body: ReadableStream<Uint8Array> | null }, maxBytes: number): Promise<CappedBody> {
  const declared = message.headers.get('content-length');
  if (declared !== null && (!/^\d+$/.test(declared) || Number(declared) > maxBytes)) return { ok: false, size: Number(declared) };
  if (!message.body) return { ok: true, bytes: new Uint8Array(0) };
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { ok: false, size: total };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return { ok: true, bytes };
}
