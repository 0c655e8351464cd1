import { ProtocolError } from '../protocols/protocol-error.js';
import { parseH264Sps } from './h264-sps.js';

/** The parameter sets held in an AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1). */
export interface AvcDecoderConfig {
  readonly profileIdc: number;
  readonly constraintFlags: number;
  readonly levelIdc: number;
  /** Bytes of each NAL length prefix in frames (1, 2 or 4). */
  readonly lengthSize: number;
  readonly sps: readonly Uint8Array[];
  readonly pps: readonly Uint8Array[];
}

/** Builds an AVCDecoderConfigurationRecord (4-byte NAL lengths) from SPS and PPS NAL units. */
export function buildAvcDecoderConfig(sps: readonly Uint8Array[], pps: readonly Uint8Array[]): Uint8Array {
  if (sps.length === 0 || sps[0].length < 4) throw new ProtocolError('H264_BAD_SPS', 'an AVC configuration needs an SPS');
  const size = 7 + sps.reduce((n, s) => n + 2 + s.length, 0) + pps.reduce((n, p) => n + 2 + p.length, 0);
  const out = new Uint8Array(size);
  out.set([1, sps[0][1], sps[0][2], sps[0][3], 0xff, 0xe0 | sps.length]);
  let o = 6;
  for (const s of sps) {
    out[o] = s.length >> 8;
    out[o + 1] = s.length & 0xff;
    out.set(s, o + 2);
    o += 2 + s.length;
  }
  out[o++] = pps.length;
  for (const p of pps) {
    out[o] = p.length >> 8;
    out[o + 1] = p.length & 0xff;
    out.set(p, o + 2);
    o += 2 + p.length;
  }
  return out;
}

/** Reads an AVCDecoderConfigurationRecord; raises ProtocolError `AVC_BAD_CONFIG` on malformed bytes. */
export function parseAvcDecoderConfig(record: Uint8Array): AvcDecoderConfig {
  const fail = (why: string): never => {
    throw new ProtocolError('AVC_BAD_CONFIG', `bad AVCDecoderConfigurationRecord: ${why}`);
  };
  if (record.length < 7 || record[0] !== 1) fail('too short or version != 1');
  let o = 5;
  const readSets = (count: number): Uint8Array[] => {
    const sets: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      if (o + 2 > record.length) fail('truncated length');
      const len = (record[o] << 8) | record[o + 1];
      o += 2;
      if (o + len > record.length) fail(`parameter set length ${len} past end`);
      sets.push(record.slice(o, o + len));
      o += len;
    }
    return sets;
  };
  const sps = readSets(record[o++] & 0x1f);
  if (o >= record.length) fail('missing PPS count');
  const pps = readSets(record[o++]);
  return { profileIdc: record[1], constraintFlags: record[2], levelIdc: record[3], lengthSize: (record[4] & 3) + 1, sps, pps };
}

/** Picture size read from an AVCDecoderConfigurationRecord's first SPS. */
export interface AvcPictureSize {
  readonly width: number;
  readonly height: number;
}

/**
 * Width and height from the first SPS of an AVCDecoderConfigurationRecord (ISO/IEC 14496-15
 * §5.3.3.1; SPS syntax H.264 §7.3.2.1.1), or `undefined` when the record or its SPS is malformed:
 * the size is informative, a frame is not refused for it.
 */
export function parseAvcPictureSize(record: Uint8Array): AvcPictureSize | undefined {
  try {
    const sps = parseAvcDecoderConfig(record).sps[0];
    if (sps === undefined) return undefined;
    const { width, height } = parseH264Sps(sps);
    return { width, height };
  } catch (error) {
    if (error instanceof ProtocolError) return undefined;
    throw error;
  }
}
