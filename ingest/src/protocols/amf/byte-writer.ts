/** A growable big-endian byte sink used by the AMF and RTMP encoders. */
export class ByteWriter {
  private buf: Buffer;
  private length = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  /** Makes room for `n` more bytes (the buffer may be replaced: read `this.buf` after) and counts them written; returns where they go. */
  private advance(n: number): number {
    this.reserve(n);
    const at = this.length;
    this.length += n;
    return at;
  }

  u8(v: number): this {
    this.reserve(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    const at = this.advance(2);
    this.buf.writeUInt16BE(v & 0xffff, at);
    return this;
  }

  s16(v: number): this {
    const at = this.advance(2);
    this.buf.writeInt16BE(v, at);
    return this;
  }

  u24(v: number): this {
    const at = this.advance(3);
    this.buf.writeUIntBE(v & 0xffffff, at, 3);
    return this;
  }

  u32(v: number): this {
    const at = this.advance(4);
    this.buf.writeUInt32BE(v >>> 0, at);
    return this;
  }

  f64(v: number): this {
    const at = this.advance(8);
    this.buf.writeDoubleBE(v, at);
    return this;
  }

  bytes(b: Uint8Array): this {
    const at = this.advance(b.byteLength);
    this.buf.set(b, at);
    return this;
  }

  /** The bytes written so far (a copy-free view of the internal buffer). */
  finish(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}
