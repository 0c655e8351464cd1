/**
 * Remembers the results of a pure function of a string, for at most `capacity` keys of at most
 * `maxKeyLength` characters; when full it forgets everything and starts again. On the 8080
 * listener the same few request lines and paths come from every player (one playlist and a few
 * segments per stream), so they are parsed and routed once, not once per request; a client sending
 * new lines costs a parse each, as without the memo, and bounds nothing here but the count.
 * Results must be immutable: every caller gets the same object. A key whose computation throws is
 * not remembered.
 */
export class BoundedMemo<V> {
  private readonly values = new Map<string, V>();

  constructor(
    private readonly compute: (key: string) => V,
    private readonly capacity: number,
    private readonly maxKeyLength: number,
  ) {}

  get(key: string): V {
    const known = this.values.get(key);
    if (known !== undefined) return known;
    const value = this.compute(key);
    if (key.length <= this.maxKeyLength) {
      if (this.values.size >= this.capacity) this.values.clear();
      this.values.set(key, value);
    }
    return value;
  }

  /** How many keys are remembered now (for tests). */
  get size(): number {
    return this.values.size;
  }
}
