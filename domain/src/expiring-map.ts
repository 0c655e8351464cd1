/** Options of an {@link ExpiringMap}. */
export interface ExpiringMapOptions {
  /** Entries held at most (≥ 1): the bound that keeps a flood of keys from growing memory. */
  maxEntries: number;
  /**
   * What `set` does when the map is full of live entries: `evict-oldest` (default) forgets the
   * oldest one; `refuse` keeps them all and refuses the new entry (for a replay cache, where
   * forgetting a live id would let it be replayed).
   */
  whenFull?: 'evict-oldest' | 'refuse';
  /** The clock in ms; defaults to `Date.now`. Every method also takes an explicit `nowMs`. */
  now?: () => number;
}

/**
 * A bounded map whose entries expire at a time given with each entry. Insertion order doubles as
 * age: when full, expired entries are dropped first, then the oldest (or the new entry is
 * refused, see {@link ExpiringMapOptions.whenFull}). Reading does not refresh an entry; setting a
 * key again makes it the newest. Expired entries are removed when read or when room is needed.
 */
export class ExpiringMap<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAtMs: number }>();
  readonly #maxEntries: number;
  readonly #refuseWhenFull: boolean;
  readonly #now: () => number;
  /** No entry expires before this: while it is ahead, a full map has nothing expired to sweep. */
  #earliestExpiryMs = Number.POSITIVE_INFINITY;

  constructor(options: ExpiringMapOptions) {
    if (!(Number.isInteger(options.maxEntries) && options.maxEntries >= 1)) {
      throw new RangeError(`maxEntries must be an integer ≥ 1, got ${options.maxEntries}`);
    }
    this.#maxEntries = options.maxEntries;
    this.#refuseWhenFull = options.whenFull === 'refuse';
    this.#now = options.now ?? Date.now;
  }

  /** Entries held, expired ones included until they are swept. */
  get size(): number {
    return this.#entries.size;
  }

  /** The live value of `key`, or undefined (an expired entry is removed). */
  get(key: K, nowMs: number = this.#now()): V | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    if (nowMs >= e.expiresAtMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /**
   * Stores `value` until `expiresAtMs` as the newest entry. Returns false only when the map
   * refuses new entries (`whenFull: 'refuse'`) and is full of live ones.
   */
  set(key: K, value: V, expiresAtMs: number, nowMs: number = this.#now()): boolean {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries && !this.#makeRoom(nowMs)) return false;
    this.#entries.set(key, { value, expiresAtMs });
    if (expiresAtMs < this.#earliestExpiryMs) this.#earliestExpiryMs = expiresAtMs;
    return true;
  }

  /** Removes `key`; true when it was held. */
  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  #makeRoom(nowMs: number): boolean {
    // A full map of live entries (a flood of keys) costs one comparison per insert, not a walk of every entry.
    if (nowMs >= this.#earliestExpiryMs) {
      let earliest = Number.POSITIVE_INFINITY;
      for (const [k, e] of this.#entries) {
        if (nowMs >= e.expiresAtMs) this.#entries.delete(k);
        else if (e.expiresAtMs < earliest) earliest = e.expiresAtMs;
      }
      this.#earliestExpiryMs = earliest;
    }
    if (this.#entries.size < this.#maxEntries) return true;
    if (this.#refuseWhenFull) return false;
    for (const k of this.#entries.keys()) {
      if (this.#entries.size < this.#maxEntries) break;
      this.#entries.delete(k);
    }
    return true;
  }
}
