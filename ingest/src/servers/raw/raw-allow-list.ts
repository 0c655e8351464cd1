import { ipInRange, parseIpRange, type IpRange } from '#domain/ip-range.js';
import { invalidSetting } from '#ingest/config.js';

/**
 * The source-address check of the raw FLV/TS listeners, which carry no credentials
 * (STREAMGATE_RAW_ALLOW_FROM). Built from CIDRs (`10.0.0.0/8`, `::1/128`, a bare address = one
 * host); a v4 range also matches the `::ffff:a.b.c.d` form Node reports on dual-stack sockets.
 * An unparsable entry raises ConfigError at startup rather than silently narrowing access.
 */
export function createRawAllowList(cidrs: readonly string[]): (address: string | undefined) => boolean {
  const ranges: IpRange[] = cidrs.map((text) => {
    const range = parseIpRange(text);
    if (range === undefined) throw invalidSetting('STREAMGATE_RAW_ALLOW_FROM', `not an IP address or CIDR range: "${text}"`);
    return range;
  });
  return (address) => address !== undefined && ranges.some((r) => ipInRange(address, r));
}
