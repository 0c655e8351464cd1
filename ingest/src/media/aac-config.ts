import { ProtocolError } from '../protocols/protocol-error.js';

const SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** What an AudioSpecificConfig says about the stream. */
export interface AacConfigInfo {
  readonly objectType: number;
  readonly sampleRate: number;
  readonly channels: number;
}

/**
 * Parses the head of an AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1): audio object type
 * (with the escape to 32+), sampling frequency (index or explicit 24-bit value) and channel
 * configuration. Raises `FLV_BAD_AUDIO` when it is too short or the rate index is reserved.
 */
export function parseAacConfig(asc: Uint8Array): AacConfigInfo {
  let bit = 0;
  const read = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++, bit++) {
      const byte = bit >> 3;
      if (byte >= asc.length) throw new ProtocolError('FLV_BAD_AUDIO', `AudioSpecificConfig truncated (${asc.length} bytes)`);
      v = v * 2 + ((asc[byte] >> (7 - (bit & 7))) & 1);
    }
    return v;
  };
  let objectType = read(5);
  if (objectType === 31) objectType = 32 + read(6);
  const index = read(4);
  let sampleRate: number;
  if (index === 15) sampleRate = read(24);
  else if (index < SAMPLE_RATES.length) sampleRate = SAMPLE_RATES[index];
  else throw new ProtocolError('FLV_BAD_AUDIO', `reserved AAC sampling frequency index ${index}`);
  const channelConfig = read(4);
  // Channel configuration 7 is 7.1 (8 channels); 0 means "in the program config element".
  const channels = channelConfig === 7 ? 8 : channelConfig;
  return { objectType, sampleRate, channels };
}
