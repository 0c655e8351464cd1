/**
 * A bounded map whose entries expire. Insertion order doubles as age: when full, expired entries
 * are dropped first, then the oldest. Time is passed in (`nowMs`) so tests need no clock.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAtMs: number }>();

  constructor(private readonly maxEntries: number) {
    if (!(maxEntries >= 1)) throw new RangeError(`maxEntries must be ≥ 1, got ${maxEntries}`);
  }

  /** Number of entries held (expired ones included until swept). */
  get size(): number {
    return this.entries.size;
  }

  /** The live value for `key`, or undefined (an expired entry is removed). */
  get(key: string, nowMs: number): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (nowMs >= e.expiresAtMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Stores `value` until `expiresAtMs`, evicting to stay within `maxEntries`. */
  set(key: string, value: V, expiresAtMs: number, nowMs: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.evict(nowMs);
    this.entries.set(key, { value, expiresAtMs });
  }

  /** Removes `key`. */
  delete(key: string): void {
    this.entries.delete(key);
  }

  private evict(nowMs: number): void {
    for (const [k, e] of this.entries) if (nowMs >= e.expiresAtMs) this.entries.delete(k);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
