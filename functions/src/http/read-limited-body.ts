/**
 * Reads a request body of at most `maxBytes`. Refuses early on a larger `content-length` and
 * stops reading a stream that grows past the limit, so a huge or endless body never gets
 * buffered. Returns undefined when the body is too large.
 */
export async function readLimitedBody(req: Request, maxBytes: number): Promise<Uint8Array | undefined> {
  const declared = req.headers.get('content-length');
  if (declared !== null && (!/^\d+$/.test(declared) || Number(declared) > maxBytes)) return undefined;
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
