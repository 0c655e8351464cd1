/**
 * IPv4/IPv6 addresses and CIDR ranges as 16-byte values. IPv4 is held as the IPv4-mapped IPv6
 * address (`::ffff:a.b.c.d`, prefix + 96), so a v4 range also matches the mapped form Node
 * reports for v4 clients on a dual-stack socket.
 */
export interface IpRange {
  /** Network address bytes (16), host bits zeroed. */
  readonly bytes: Uint8Array;
  /** Prefix length over the 128-bit form. */
  readonly prefix: number;
  /** The range as written back canonically (`10.0.0.0/8`, `2001:db8::/32`). */
  readonly text: string;
}

function parseV4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

/** Parses an IPv4 or IPv6 address (zone ids and brackets refused) to 16 bytes, or undefined. */
export function parseIp(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length > 45) return undefined;
  const bytes = new Uint8Array(16);
  if (!text.includes(':')) {
    const v4 = parseV4(text);
    if (!v4) return undefined;
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    bytes.set(v4, 12);
    return bytes;
  }
  let head = text;
  let tailV4: number[] | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tailV4 = parseV4(text.slice(lastColon + 1));
    if (!tailV4) return undefined;
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const group = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = group(halves[0]);
  const right = halves.length === 2 ? group(halves[1]) : [];
  if (!left || !right) return undefined;
  const total = left.length + right.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const groups = [...left, ...new Array<number>(8 - total).fill(0), ...right];
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  if (tailV4) bytes.set(tailV4, 12);
  return bytes;
}

/**
 * Parses `ADDRESS/PREFIX` (or a bare address = a single host). Returns undefined when the
 * text is not a valid range; host bits set in the address are also refused (`10.0.0.1/8`) so
 * an operator's typo does not silently widen or narrow access.
 */
export function parseIpRange(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const bytes = parseIp(addrText);
  if (!bytes) return undefined;
  const v4 = !addrText.includes(':');
  const max = v4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  const full = v4 ? prefix + 96 : prefix;
  for (let bit = full; bit < 128; bit++) {
    if (bytes[bit >> 3] & (0x80 >> (bit & 7))) return undefined;
  }
  return { bytes, prefix: full, text: `${addrText.toLowerCase()}/${prefix}` };
}

/** True when `ip` (text) lies in `range`; an unparsable ip is never in any range. */
export function ipInRange(ip: string, range: IpRange): boolean {
  const b = parseIp(ip);
  if (!b) return false;
  // v4 ranges and v4 clients are both held mapped, so `::ffff:a.b.c.d` from Node matches too.
  for (let bit = 0; bit < range.prefix; bit++) {
    const mask = 0x80 >> (bit & 7);
    if ((b[bit >> 3] & mask) !== (range.bytes[bit >> 3] & mask)) return false;
  }
  return true;
}
