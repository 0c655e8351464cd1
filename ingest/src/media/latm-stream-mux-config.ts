import { ProtocolError } from '../protocols/protocol-error.js';
import { AAC_SAMPLE_RATES, buildAudioSpecificConfig } from './adts.js';
import { BitReader } from './bit-reader.js';

/** What an MP4A-LATM track carries, from its StreamMuxConfig. */
export interface LatmStreamMuxConfig {
  /** The AudioSpecificConfig of the one program and layer (2 bytes: object type, rate index, channels). */
  readonly audioSpecificConfig: Uint8Array;
  readonly objectType: number;
  readonly sampleRate: number;
  /** channelConfiguration (1–7). */
  readonly channelConfig: number;
  /** Access units per audioMuxElement (numSubFrames + 1). */
  readonly subFrames: number;
}

/** AAC object types whose GASpecificConfig we read here: Main, LC, SSR, LTP (ISO/IEC 14496-3 Table 1.1). */
const GA_OBJECT_TYPES = new Set([1, 2, 3, 4]);

/**
 * Reads the StreamMuxConfig of an RFC 6416 `config=` (ISO/IEC 14496-3 §1.7.3.1) for the shape
 * every encoder we know sends (GStreamer rtpmp4apay, FFmpeg): audioMuxVersion 0, all streams with
 * the same time framing, one program with one layer, an AAC Main/LC/SSR/LTP AudioSpecificConfig
 * with a channel configuration, and frameLengthType 0 (PayloadLengthInfo before each frame).
 * Raises ProtocolError `LATM_BAD_CONFIG` for truncated bits and `LATM_UNSUPPORTED` (message:
 * what and why, for the client) for other shapes.
 */
export function parseLatmStreamMuxConfig(config: Uint8Array): LatmStreamMuxConfig {
  const r = new BitReader(config);
  try {
    const unsupported = (what: string): never => {
      throw new ProtocolError('LATM_UNSUPPORTED', `MP4A-LATM with ${what} is not supported`);
    };
    if (r.readBit() !== 0) unsupported('audioMuxVersion 1');
    if (r.readBit() !== 1) unsupported('allStreamsSameTimeFraming 0');
    const subFrames = r.readBits(6) + 1;
    if (r.readBits(4) !== 0) unsupported('more than one program');
    if (r.readBits(3) !== 0) unsupported('more than one layer');
    // AudioSpecificConfig (§1.6.2.1), inline and not byte-aligned with audioMuxVersion 0
    let objectType = r.readBits(5);
    if (objectType === 31) objectType = 32 + r.readBits(6);
    if (!GA_OBJECT_TYPES.has(objectType)) unsupported(`audio object type ${objectType} (AAC Main, LC, SSR or LTP only)`);
    const sampleRateIndex = r.readBits(4);
    if (sampleRateIndex >= AAC_SAMPLE_RATES.length) unsupported(`sampling frequency index ${sampleRateIndex}`);
    const channelConfig = r.readBits(4);
    if (channelConfig === 0 || channelConfig > 7) unsupported(`channel configuration ${channelConfig}`);
    // GASpecificConfig (§4.4.1)
    if (r.readBit() !== 0) unsupported('960-sample frames');
    if (r.readBit() !== 0) unsupported('a core coder');
    if (r.readBit() !== 0) unsupported('an extension flag');
    // Backward-compatible SBR/PS signalling after the GASpecificConfig (§1.6.5.2: syncExtensionType
    // 0x2b7), which FFmpeg's AAC encoder always writes (sbrPresentFlag 0): read over it. With SBR
    // present, the LC core config stays what players get (they find SBR implicitly).
    if (r.remaining >= 16 && peekBits(config, r, 11) === 0x2b7) {
      r.skipBits(11);
      const extensionObjectType = r.readBits(5);
      if (extensionObjectType === 5 && r.readBit() === 1) {
        if (r.readBits(4) === 15) r.skipBits(24);
        if (r.remaining >= 12 && peekBits(config, r, 11) === 0x548) r.skipBits(12);
      }
    }
    if (r.readBits(3) !== 0) unsupported('a frame length type other than 0');
    return {
      audioSpecificConfig: buildAudioSpecificConfig({ objectType, sampleRateIndex, channels: channelConfig }),
      objectType,
      sampleRate: AAC_SAMPLE_RATES[sampleRateIndex],
      channelConfig,
      subFrames,
    };
  } catch (err) {
    if (err instanceof ProtocolError && err.code === 'BITSTREAM_TRUNCATED') throw new ProtocolError('LATM_BAD_CONFIG', `StreamMuxConfig truncated: ${err.message}`, { cause: err });
    throw err;
  }
}

/** The next `n` bits of `r` over `bytes`, without consuming them. */
function peekBits(bytes: Uint8Array, r: BitReader, n: number): number {
  const peek = new BitReader(bytes);
  peek.skipBits(bytes.length * 8 - r.remaining);
  return peek.readBits(n);
}
