/**
 * Hands out buffers carved from larger ones: one allocation (an ArrayBuffer, counted by V8 as
 * external memory) per `slabBytes` instead of one per buffer. A slab stays in memory while any
 * buffer carved from it does, so a slab belongs to one owner whose buffers live about as long as
 * each other (one publisher's messages: its GOP cache lets them go in order), never to the process.
 * Requests over a quarter of a slab get a buffer of their own.
 */
export class ByteSlab {
  private slab: Buffer | undefined;
  private used = 0;

  constructor(readonly slabBytes = 64 * 1024) {}

  /** An uninitialized buffer of `size` bytes. */
  take(size: number): Buffer {
    if (size > this.slabBytes >>> 2) return Buffer.allocUnsafeSlow(size);
    let slab = this.slab;
    if (slab === undefined || this.used + size > slab.byteLength) {
      slab = this.slab = Buffer.allocUnsafeSlow(this.slabBytes);
      this.used = 0;
    }
    const piece = slab.subarray(this.used, this.used + size);
    // 8-byte aligned, as a buffer of its own would be
    this.used = (this.used + size + 7) & ~7;
    return piece;
  }
}
