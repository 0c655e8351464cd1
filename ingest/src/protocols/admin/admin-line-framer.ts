import { LIMITS } from '../limits.js';
import { ProtocolError } from '../protocol-error.js';

/** A complete line, or a line we refused (the framer has already resynchronised on the next LF). */
export type AdminFramed = { readonly kind: 'line'; readonly text: string } | { readonly kind: 'error'; readonly error: ProtocolError };

/**
 * Splits the admin connection's bytes into UTF-8 lines (LF or CRLF terminated), sans-I/O. A line
 * longer than `maxLineLength` yields one ADMIN_LINE_TOO_LONG error and its bytes are skipped up to
 * the next LF, so one bad line never closes the session; invalid UTF-8 yields ADMIN_BAD_ENCODING.
 * Never buffers more than `maxLineLength` bytes.
 */
export class AdminLineFramer {
  private parts: Uint8Array[] = [];
  private length = 0;
  private discarding = false;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly maxLineLength: number = LIMITS.adminMaxLineLength) {}

  /** Feeds bytes; returns the lines (and refusals) they complete, in order. */
  push(chunk: Uint8Array): AdminFramed[] {
    const out: AdminFramed[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      const lf = chunk.indexOf(0x0a, pos);
      const end = lf === -1 ? chunk.length : lf;
      if (this.discarding) {
        if (lf !== -1) this.discarding = false;
        pos = end + 1;
        continue;
      }
      const total = this.length + (end - pos);
      if (total > this.maxLineLength) {
        out.push({
          kind: 'error',
          error: new ProtocolError('ADMIN_LINE_TOO_LONG', `Line too long: ${total} > limit ${this.maxLineLength}`),
        });
        this.parts = [];
        this.length = 0;
        this.discarding = lf === -1;
        pos = end + 1;
        continue;
      }
      if (lf === -1) {
        this.parts.push(chunk.slice(pos));
        this.length = total;
        break;
      }
      this.parts.push(chunk.subarray(pos, end));
      const bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, total);
      this.parts = [];
      this.length = 0;
      pos = end + 1;
      const line = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, bytes.length - 1) : bytes;
      try {
        out.push({ kind: 'line', text: this.decoder.decode(line) });
      } catch (cause) {
        out.push({ kind: 'error', error: new ProtocolError('ADMIN_BAD_ENCODING', 'Line is not valid UTF-8', { cause }) });
      }
    }
    return out;
  }
}
