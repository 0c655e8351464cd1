import { ProtocolError } from '../protocols/protocol-error.js';

/** Builds an OpusHead (RFC 7845 §5.1, mapping family 0), the AudioConfig record for opus. */
export function buildOpusHead(channels: number, inputSampleRate = 48000, preSkip = 0): Uint8Array {
  if (channels < 1 || channels > 2) throw new ProtocolError('OPUS_BAD_CONFIG', `mapping family 0 carries 1 or 2 channels, not ${channels}`);
  const out = new Uint8Array(19);
  out.set(new TextEncoder().encode('OpusHead'));
  const view = new DataView(out.buffer);
  out[8] = 1;
  out[9] = channels;
  view.setUint16(10, preSkip, true);
  view.setUint32(12, inputSampleRate, true);
  view.setInt16(16, 0, true);
  out[18] = 0;
  return out;
}

/** Reads channels and input sample rate of an OpusHead. */
export function parseOpusHead(head: Uint8Array): { channels: number; inputSampleRate: number; preSkip: number } {
  if (head.length < 19 || new TextDecoder().decode(head.subarray(0, 8)) !== 'OpusHead') throw new ProtocolError('OPUS_BAD_CONFIG', 'not an OpusHead');
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  return { channels: head[9], preSkip: view.getUint16(10, true), inputSampleRate: view.getUint32(12, true) };
}
