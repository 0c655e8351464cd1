import { encodeHandshake, type SrtHandshake } from './srt-handshake.js';
import { encodeSrtPacket, SRT_CONTROL } from './srt-packet.js';

/**
 * The UDP datagram carrying handshake `hs` to the socket `destination` (0 while the peer's id is
 * unknown), stamped with `now` (ms) in the 32-bit microsecond timestamp. Both sides of a connection
 * send these: the listener's answers and the caller's requests.
 */
export function srtHandshakePacket(hs: SrtHandshake, destination: number, now: number): Uint8Array {
  return encodeSrtPacket({
    kind: 'control',
    type: SRT_CONTROL.handshake,
    subtype: 0,
    typeInfo: 0,
    timestamp: Math.round(now * 1000) % 0x100000000,
    socketId: destination,
    cif: encodeHandshake(hs),
  });
}
