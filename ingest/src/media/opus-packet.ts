import { ProtocolError } from '../protocols/protocol-error.js';

/** Duration in ms of one Opus packet from its TOC byte (RFC 6716 §3.1). */
export function opusPacketDuration(packet: Uint8Array): number {
  if (packet.length === 0) throw new ProtocolError('OPUS_BAD_PACKET', 'empty Opus packet');
  const config = packet[0] >> 3;
  let frameMs: number;
  if (config < 12) frameMs = [10, 20, 40, 60][config % 4];
  else if (config < 16) frameMs = [10, 20][config % 2];
  else frameMs = [2.5, 5, 10, 20][config % 4];
  const code = packet[0] & 3;
  let frames: number;
  if (code === 0) frames = 1;
  else if (code < 3) frames = 2;
  else {
    if (packet.length < 2) throw new ProtocolError('OPUS_BAD_PACKET', 'Opus code 3 packet without frame count');
    frames = packet[1] & 0x3f;
  }
  return frameMs * frames;
}

/**
 * Splits the payload of an Opus PES (Opus in MPEG-TS, opus-codec.org ETSI TS 102 366 draft §6):
 * each packet behind an opus_control_header (0x7FE0 prefix, trim flags, au_size run-length).
 */
export function splitOpusTs(data: Uint8Array): Uint8Array[] {
  const packets: Uint8Array[] = [];
  let o = 0;
  while (o < data.length) {
    if (data.length - o < 2 || data[o] !== 0x7f || (data[o + 1] & 0xe0) !== 0xe0) throw new ProtocolError('OPUS_BAD_PACKET', `no opus_control_header at ${o}`);
    const flags = data[o + 1];
    o += 2;
    let size = 0;
    for (;;) {
      if (o >= data.length) throw new ProtocolError('OPUS_BAD_PACKET', 'au_size truncated');
      const b = data[o++];
      size += b;
      if (b !== 0xff) break;
    }
    if (flags & 0x10) o += 2; // start_trim
    if (flags & 0x08) o += 2; // end_trim
    if (flags & 0x04) {
      if (o >= data.length) throw new ProtocolError('OPUS_BAD_PACKET', 'control extension truncated');
      o += 1 + data[o];
    }
    if (o + size > data.length) throw new ProtocolError('OPUS_BAD_PACKET', `Opus au_size ${size} past the end of the PES`);
    packets.push(data.subarray(o, o + size));
    o += size;
  }
  return packets;
}
