import { ProtocolError } from '../protocols/protocol-error.js';

/**
 * Reads a big-endian bit string (H.264/H.265 RBSP, ADTS, AudioSpecificConfig). Reading past the
 * end raises ProtocolError `BITSTREAM_TRUNCATED` instead of yielding undefined.
 */
export class BitReader {
  private bitPos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  /** Bits not read yet. */
  get remaining(): number {
    return this.bytes.length * 8 - this.bitPos;
  }

  /** Reads `n` (≤ 32) bits as an unsigned number. */
  readBits(n: number): number {
    if (n > this.remaining) throw new ProtocolError('BITSTREAM_TRUNCATED', `bitstream truncated: need ${n} bits, ${this.remaining} left`);
    let value = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.bytes[this.bitPos >> 3];
      value = value * 2 + ((byte >> (7 - (this.bitPos & 7))) & 1);
      this.bitPos++;
    }
    return value;
  }

  readBit(): number {
    return this.readBits(1);
  }

  skipBits(n: number): void {
    if (n > this.remaining) throw new ProtocolError('BITSTREAM_TRUNCATED', `bitstream truncated: need ${n} bits, ${this.remaining} left`);
    this.bitPos += n;
  }

  /** Unsigned Exp-Golomb (H.264 §9.1); more than 31 leading zeros is refused. */
  readUE(): number {
    let zeros = 0;
    while (this.readBit() === 0) {
      if (++zeros > 31) throw new ProtocolError('BITSTREAM_BAD_EXP_GOLOMB', 'exp-golomb code longer than 32 bits');
    }
    return zeros === 0 ? 0 : 2 ** zeros - 1 + this.readBits(zeros);
  }

  /** Signed Exp-Golomb (H.264 §9.1.1). */
  readSE(): number {
    const k = this.readUE();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}
