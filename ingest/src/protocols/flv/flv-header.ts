import { LIMITS } from '../limits.js';
import { ProtocolError } from '../protocol-error.js';

/** The 9-byte FLV file header (Adobe FLV spec v10.1 §E.2). */
export interface FlvHeader {
  readonly version: number;
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
  /** DataOffset: header size, 9 for version 1. */
  readonly headerSize: number;
}

/** Largest DataOffset we skip over; real files use 9. */
export const FLV_MAX_HEADER_SIZE = LIMITS.flvMaxHeaderSize;

/**
 * Decodes the FLV header from the first 9 bytes of `bytes`. Returns undefined when fewer than 9
 * bytes are present; raises ProtocolError `FLV_BAD_HEADER` for anything that is not FLV.
 */
export function decodeFlvHeader(bytes: Uint8Array): FlvHeader | undefined {
  // check the signature as soon as its bytes arrive, so non-FLV input fails fast
  const sig = [0x46, 0x4c, 0x56];
  for (let i = 0; i < Math.min(3, bytes.length); i++) {
    if (bytes[i] !== sig[i]) throw new ProtocolError('FLV_BAD_HEADER', 'not an FLV stream: bad signature');
  }
  if (bytes.length < 9) return undefined;
  const version = bytes[3];
  if (version !== 1) throw new ProtocolError('FLV_BAD_HEADER', `unsupported FLV version ${version}`);
  const headerSize = ((bytes[5] << 24) | (bytes[6] << 16) | (bytes[7] << 8) | bytes[8]) >>> 0;
  if (headerSize < 9 || headerSize > FLV_MAX_HEADER_SIZE) {
    throw new ProtocolError('FLV_BAD_HEADER', `FLV header size ${headerSize} outside 9..${FLV_MAX_HEADER_SIZE}`);
  }
  return { version, hasAudio: (bytes[4] & 4) !== 0, hasVideo: (bytes[4] & 1) !== 0, headerSize };
}

/** Encodes the FLV header followed by PreviousTagSize0 (13 bytes). */
export function encodeFlvHeader(header: Pick<FlvHeader, 'hasAudio' | 'hasVideo'>): Uint8Array {
  return Uint8Array.of(0x46, 0x4c, 0x56, 1, (header.hasAudio ? 4 : 0) | (header.hasVideo ? 1 : 0), 0, 0, 0, 9, 0, 0, 0, 0);
}
