import { ProtocolError } from '../protocol-error.js';

/**
 * A bounds-checked cursor over one complete AMF payload. Every read checks the remaining length
 * first and raises `AMF_TRUNCATED`, never a RangeError.
 */
export class AmfReader {
  private readonly view: DataView;
  offset: number;

  constructor(
    readonly bytes: Uint8Array,
    offset = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
  }

  get remaining(): number {
    return this.bytes.byteLength - this.offset;
  }

  need(n: number): void {
    if (this.remaining < n) {
      throw new ProtocolError('AMF_TRUNCATED', `AMF value truncated: need ${n} bytes, have ${this.remaining}`);
    }
  }

  /** Checks that `n` bytes remain and moves past them; returns where they start. */
  private advance(n: number): number {
    this.need(n);
    const at = this.offset;
    this.offset += n;
    return at;
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.offset++];
  }

  peekU8(): number {
    this.need(1);
    return this.bytes[this.offset];
  }

  u16(): number {
    return this.view.getUint16(this.advance(2));
  }

  s16(): number {
    return this.view.getInt16(this.advance(2));
  }

  u32(): number {
    return this.view.getUint32(this.advance(4));
  }

  f64(): number {
    return this.view.getFloat64(this.advance(8));
  }

  /** `n` bytes as a view into the input (no copy). */
  take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  utf8(n: number): string {
    return Buffer.from(this.take(n)).toString('utf8');
  }
}
