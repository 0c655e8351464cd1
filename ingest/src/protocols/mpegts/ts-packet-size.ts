import { ProtocolError } from '../protocol-error.js';

/** Transport packet sizes seen in the wild: plain, M2TS (4-byte timestamp prefix), DVB and ATSC FEC trailers. */
export const TS_PACKET_SIZES = [188, 192, 204, 208] as const;

/** Consecutive sync bytes required at one spacing before a size is believed. */
const SYNCS_REQUIRED = 4;

/**
 * Finds the first offset at which sync bytes (0x47) repeat at one of the packet sizes.
 * Returns `{ offset, size }`, or undefined when more bytes are needed to decide. Raises
 * ProtocolError `TS_SYNC_NOT_FOUND` once `maxSearch` bytes have been scanned without success
 * (crtmpserver: "I give up. I'm unable to detect the ts chunk size").
 */
export function detectTsPacketSize(bytes: Uint8Array, maxSearch: number): { offset: number; size: number } | undefined {
  for (let o = 0; o < bytes.length; o++) {
    if (o > maxSearch) break;
    if (bytes[o] !== 0x47) continue;
    for (const size of TS_PACKET_SIZES) {
      if (o + (SYNCS_REQUIRED - 1) * size >= bytes.length) return undefined;
      let k = 1;
      while (k < SYNCS_REQUIRED && bytes[o + k * size] === 0x47) k++;
      if (k === SYNCS_REQUIRED) return { offset: o, size };
    }
  }
  if (bytes.length > maxSearch) {
    throw new ProtocolError('TS_SYNC_NOT_FOUND', `unable to detect the ts chunk size: no packet sync in ${maxSearch} bytes`);
  }
  return undefined;
}
