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

  u8(v: number): this {
    this.reserve(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.reserve(2);
    this.buf.writeUInt16BE(v & 0xffff, this.length);
    this.length += 2;
    return this;
  }

  s16(v: number): this {
    this.reserve(2);
    this.buf.writeInt16BE(v, this.length);
    this.length += 2;
    return this;
  }

  u24(v: number): this {
    this.reserve(3);
    this.buf.writeUIntBE(v & 0xffffff, this.length, 3);
    this.length += 3;
    return this;
  }

  u32(v: number): this {
    this.reserve(4);
    this.buf.writeUInt32BE(v >>> 0, this.length);
    this.length += 4;
    return this;
  }

  f64(v: number): this {
    this.reserve(8);
    this.buf.writeDoubleBE(v, this.length);
    this.length += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.reserve(b.byteLength);
    this.buf.set(b, this.length);
    this.length += b.byteLength;
    return this;
  }

  /** The bytes written so far (a copy-free view of the internal buffer). */
  finish(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}
