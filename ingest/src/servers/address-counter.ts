/**
 * Open connections per source address, bounded: what keeps one host from taking every slot of a
 * listener (STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS beside STREAMGATE_MAX_CONNECTIONS).
 */
export class AddressCounter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly maxPerAddress: number) {}

  /** Counts one more connection from `address`; false (nothing counted) when it already has the maximum. */
  tryAdd(address: string): boolean {
    const key = normalizeAddress(address);
    const n = this.counts.get(key) ?? 0;
    if (n >= this.maxPerAddress) return false;
    this.counts.set(key, n + 1);
    return true;
  }

  /** One connection from `address` is gone. */
  remove(address: string): void {
    const key = normalizeAddress(address);
    const n = this.counts.get(key) ?? 0;
    if (n <= 1) this.counts.delete(key);
    else this.counts.set(key, n - 1);
  }

  /** Connections counted for `address`. */
  count(address: string): number {
    return this.counts.get(normalizeAddress(address)) ?? 0;
  }
}

/** An IPv4-mapped IPv6 address counts as the IPv4 address it carries. */
function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
