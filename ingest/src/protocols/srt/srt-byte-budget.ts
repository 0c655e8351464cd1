/**
 * A byte budget shared by every SRT peer of a listener: what one peer holds out of order comes out
 * of it, so many peers together cannot make the server hold more than `limit` bytes.
 */
export class SrtByteBudget {
  private usedBytes = 0;

  constructor(readonly limit: number) {}

  get used(): number {
    return this.usedBytes;
  }

  /** Takes `n` bytes if they fit; false (nothing taken) otherwise. */
  take(n: number): boolean {
    if (this.usedBytes + n > this.limit) return false;
    this.usedBytes += n;
    return true;
  }

  give(n: number): void {
    this.usedBytes = Math.max(0, this.usedBytes - n);
  }
}
