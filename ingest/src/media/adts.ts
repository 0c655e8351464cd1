import { ProtocolError } from '../protocols/protocol-error.js';

/** MPEG-4 sampling frequency table (ISO/IEC 14496-3 §1.6.3.4). */
export const AAC_SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350] as const;

/** The fields of an AudioSpecificConfig we use (ISO/IEC 14496-3 §1.6.2.1). */
export interface AacConfig {
  /** audioObjectType: 2 = AAC-LC. */
  readonly objectType: number;
  readonly sampleRateIndex: number;
  readonly sampleRate: number;
  readonly channels: number;
}

/** One ADTS header (ISO/IEC 14496-3 §1.A.2.2). */
export interface AdtsHeader extends AacConfig {
  /** 7, or 9 with CRC. */
  readonly headerLength: number;
  /** Header plus payload. */
  readonly frameLength: number;
  /** Raw data blocks in the frame minus one. */
  readonly rawBlocks: number;
}

/**
 * Reads the ADTS header at `offset`. Returns undefined when fewer than 7 bytes remain;
 * raises ProtocolError `ADTS_BAD_HEADER` when the bytes are not an ADTS header.
 */
export function parseAdtsHeader(data: Uint8Array, offset = 0): AdtsHeader | undefined {
  if (data.length - offset < 7) return undefined;
  const b = (i: number): number => data[offset + i];
  if (b(0) !== 0xff || (b(1) & 0xf6) !== 0xf0) throw new ProtocolError('ADTS_BAD_HEADER', `no ADTS syncword at ${offset}`);
  const protectionAbsent = b(1) & 1;
  const objectType = (b(2) >> 6) + 1;
  const sampleRateIndex = (b(2) >> 2) & 0x0f;
  const channels = ((b(2) & 1) << 2) | (b(3) >> 6);
  const frameLength = ((b(3) & 3) << 11) | (b(4) << 3) | (b(5) >> 5);
  const headerLength = protectionAbsent ? 7 : 9;
  if (sampleRateIndex >= AAC_SAMPLE_RATES.length) throw new ProtocolError('ADTS_BAD_HEADER', `bad sampling frequency index ${sampleRateIndex}`);
  if (frameLength < headerLength) throw new ProtocolError('ADTS_BAD_HEADER', `ADTS frame length ${frameLength} < header ${headerLength}`);
  return { objectType, sampleRateIndex, sampleRate: AAC_SAMPLE_RATES[sampleRateIndex], channels, headerLength, frameLength, rawBlocks: b(6) & 3 };
}

/** Builds the 2-byte AudioSpecificConfig for a config. */
export function buildAudioSpecificConfig(config: Pick<AacConfig, 'objectType' | 'sampleRateIndex' | 'channels'>): Uint8Array {
  return Uint8Array.of((config.objectType << 3) | (config.sampleRateIndex >> 1), ((config.sampleRateIndex & 1) << 7) | (config.channels << 3));
}

/** Reads an AudioSpecificConfig (escape codes for object type and explicit frequency included). */
export function parseAudioSpecificConfig(asc: Uint8Array): AacConfig {
  if (asc.length < 2) throw new ProtocolError('AAC_BAD_CONFIG', `AudioSpecificConfig too short: ${asc.length} bytes`);
  let pos = 0;
  const read = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++, pos++) {
      if (pos >= asc.length * 8) throw new ProtocolError('AAC_BAD_CONFIG', 'AudioSpecificConfig truncated');
      v = v * 2 + ((asc[pos >> 3] >> (7 - (pos & 7))) & 1);
    }
    return v;
  };
  let objectType = read(5);
  if (objectType === 31) objectType = 32 + read(6);
  const sampleRateIndex = read(4);
  let sampleRate: number;
  if (sampleRateIndex === 15) sampleRate = read(24);
  else if (sampleRateIndex < AAC_SAMPLE_RATES.length) sampleRate = AAC_SAMPLE_RATES[sampleRateIndex];
  else throw new ProtocolError('AAC_BAD_CONFIG', `bad sampling frequency index ${sampleRateIndex}`);
  const channels = read(4);
  return { objectType, sampleRateIndex, sampleRate, channels };
}

/**
 * Channels of a channelConfiguration (ISO/IEC 14496-3 Table 1.19): 1–6 as is, 7 is 7.1 (8
 * channels); 0 means "defined in the program config element" and stays 0.
 */
export function aacChannelCount(channelConfig: number): number {
  return channelConfig === 7 ? 8 : channelConfig;
}

/** AudioSpecificConfig equivalent to an ADTS header. */
export function audioSpecificConfigFromAdts(header: AdtsHeader): Uint8Array {
  return buildAudioSpecificConfig(header);
}

/** A 7-byte ADTS header (no CRC) for one raw AAC frame of `payloadLength` bytes. */
export function buildAdtsHeader(config: Pick<AacConfig, 'objectType' | 'sampleRateIndex' | 'channels'>, payloadLength: number): Uint8Array {
  const frameLength = payloadLength + 7;
  if (frameLength > 0x1fff) throw new ProtocolError('ADTS_FRAME_TOO_LARGE', `ADTS frame too large: ${frameLength} > limit ${0x1fff}`);
  const profile = Math.min(Math.max(config.objectType - 1, 0), 3);
  return Uint8Array.of(
    0xff,
    0xf1,
    (profile << 6) | (config.sampleRateIndex << 2) | ((config.channels >> 2) & 1),
    ((config.channels & 3) << 6) | (frameLength >> 11),
    (frameLength >> 3) & 0xff,
    ((frameLength & 7) << 5) | 0x1f,
    0xfc,
  );
}

/** One AAC frame found in an ADTS stream. */
export interface AdtsFrame {
  readonly header: AdtsHeader;
  /** Raw AAC access unit, a view into the input. */
  readonly payload: Uint8Array;
}

/**
 * Splits consecutive ADTS frames. Returns the frames and the number of bytes consumed; a trailing
 * incomplete frame is left unconsumed for the caller to complete.
 */
export function splitAdts(data: Uint8Array): { frames: AdtsFrame[]; consumed: number } {
  const frames: AdtsFrame[] = [];
  let o = 0;
  for (;;) {
    const header = parseAdtsHeader(data, o);
    if (header === undefined || o + header.frameLength > data.length) break;
    frames.push({ header, payload: data.subarray(o + header.headerLength, o + header.frameLength) });
    o += header.frameLength;
  }
  return { frames, consumed: o };
}
