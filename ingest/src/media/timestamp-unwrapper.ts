/**
 * Extends a wrapping counter (33-bit MPEG PTS/DTS, 32-bit RTP timestamps) to an unbounded one.
 * Each value is placed nearest to the previous one, so forward wrap-around and small backward steps
 * (B-frame PTS, interleaved tracks on one clock) both come out right.
 */
export class TimestampUnwrapper {
  private readonly modulus: number;
  private last: number | undefined;

  constructor(bits: number) {
    this.modulus = 2 ** bits;
  }

  /** The extended value of a raw counter value in [0, 2^bits). */
  unwrap(raw: number): number {
    if (this.last === undefined) {
      this.last = raw;
      return raw;
    }
    const half = this.modulus / 2;
    let diff = (raw - this.last) % this.modulus;
    if (diff < 0) diff += this.modulus;
    if (diff >= half) diff -= this.modulus;
    this.last += diff;
    return this.last;
  }
}
