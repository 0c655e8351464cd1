import { ProtocolError } from '../protocols/protocol-error.js';
import { BitReader } from './bit-reader.js';
import { H265_NAL, h265NalType, nalToRbsp } from './nal-units.js';

/** What we read from an H.265 sequence parameter set (ITU-T H.265 §7.3.2.2). */
export interface H265SpsInfo {
  /** general_profile_space(2) tier(1) profile_idc(5), 4 compatibility bytes, 6 constraint bytes, level: 12 bytes. */
  readonly generalProfileTierLevel: Uint8Array;
  readonly profileIdc: number;
  readonly tierFlag: number;
  readonly levelIdc: number;
  readonly chromaFormatIdc: number;
  readonly bitDepthLuma: number;
  readonly bitDepthChroma: number;
  readonly maxSubLayers: number;
  readonly temporalIdNested: number;
  readonly width: number;
  readonly height: number;
  /** sps_max_num_reorder_pics of the highest sub-layer (§7.4.3.2.1). */
  readonly maxNumReorderPics: number;
}

/** Parses an H.265 SPS NAL unit (with its 2-byte NAL header). Malformed input raises ProtocolError. */
export function parseH265Sps(nal: Uint8Array): H265SpsInfo {
  if (nal.length < 16 || h265NalType(nal) !== H265_NAL.sps) throw new ProtocolError('H265_BAD_SPS', 'not an H.265 SPS NAL unit');
  const rbsp = nalToRbsp(nal.subarray(2));
  if (rbsp.length < 14) throw new ProtocolError('H265_BAD_SPS', 'H.265 SPS truncated');
  const r = new BitReader(rbsp);
  r.readBits(4); // sps_video_parameter_set_id
  const maxSubLayersMinus1 = r.readBits(3);
  const temporalIdNested = r.readBit();
  const generalProfileTierLevel = rbsp.slice(1, 13);
  r.skipBits(96);
  const subProfile: number[] = [];
  const subLevel: number[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    subProfile.push(r.readBit());
    subLevel.push(r.readBit());
  }
  if (maxSubLayersMinus1 > 0) r.skipBits(2 * (8 - maxSubLayersMinus1));
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (subProfile[i]) r.skipBits(88);
    if (subLevel[i]) r.skipBits(8);
  }
  r.readUE(); // sps_seq_parameter_set_id
  const chromaFormatIdc = r.readUE();
  if (chromaFormatIdc > 3) throw new ProtocolError('H265_BAD_SPS', `chroma_format_idc ${chromaFormatIdc} > 3`);
  let separateColourPlane = 0;
  if (chromaFormatIdc === 3) separateColourPlane = r.readBit();
  let width = r.readUE();
  let height = r.readUE();
  if (r.readBit()) {
    // conformance window offsets are in chroma sample units (§7.4.3.2.1)
    const chroma = separateColourPlane ? 0 : chromaFormatIdc;
    const subW = chroma === 1 || chroma === 2 ? 2 : 1;
    const subH = chroma === 1 ? 2 : 1;
    const left = r.readUE();
    const right = r.readUE();
    const top = r.readUE();
    const bottom = r.readUE();
    width -= subW * (left + right);
    height -= subH * (top + bottom);
  }
  if (width <= 0 || height <= 0) throw new ProtocolError('H265_BAD_SPS', `bad picture size ${width}x${height}`);
  const bitDepthLuma = r.readUE() + 8;
  const bitDepthChroma = r.readUE() + 8;
  r.readUE(); // log2_max_pic_order_cnt_lsb_minus4
  const orderingForAll = r.readBit();
  let maxNumReorderPics = 0;
  for (let i = orderingForAll ? 0 : maxSubLayersMinus1; i <= maxSubLayersMinus1; i++) {
    r.readUE(); // sps_max_dec_pic_buffering_minus1
    maxNumReorderPics = r.readUE();
    r.readUE(); // sps_max_latency_increase_plus1
  }
  return {
    maxNumReorderPics,
    generalProfileTierLevel,
    profileIdc: generalProfileTierLevel[0] & 0x1f,
    tierFlag: (generalProfileTierLevel[0] >> 5) & 1,
    levelIdc: generalProfileTierLevel[11],
    chromaFormatIdc,
    bitDepthLuma,
    bitDepthChroma,
    maxSubLayers: maxSubLayersMinus1 + 1,
    temporalIdNested,
    width,
    height,
  };
}

/** The parameter sets held in an HEVCDecoderConfigurationRecord. */
export interface HevcDecoderConfig {
  readonly lengthSize: number;
  readonly vps: readonly Uint8Array[];
  readonly sps: readonly Uint8Array[];
  readonly pps: readonly Uint8Array[];
}

/** Builds an HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1, 4-byte NAL lengths). */
export function buildHevcDecoderConfig(vps: readonly Uint8Array[], sps: readonly Uint8Array[], pps: readonly Uint8Array[]): Uint8Array {
  if (sps.length === 0) throw new ProtocolError('H265_BAD_SPS', 'an HEVC configuration needs an SPS');
  const info = parseH265Sps(sps[0]);
  const arrays: [number, readonly Uint8Array[]][] = [
    [H265_NAL.vps, vps],
    [H265_NAL.sps, sps],
    [H265_NAL.pps, pps],
  ];
  let size = 23;
  for (const [, nals] of arrays) size += 3 + nals.reduce((n, x) => n + 2 + x.length, 0);
  const out = new Uint8Array(size);
  out[0] = 1;
  out.set(info.generalProfileTierLevel, 1);
  out[13] = 0xf0; // min_spatial_segmentation_idc = 0
  out[14] = 0x00;
  out[15] = 0xfc; // parallelismType = 0
  out[16] = 0xfc | info.chromaFormatIdc;
  out[17] = 0xf8 | (info.bitDepthLuma - 8);
  out[18] = 0xf8 | (info.bitDepthChroma - 8);
  out[19] = 0; // avgFrameRate
  out[20] = 0;
  out[21] = (info.maxSubLayers << 3) | (info.temporalIdNested << 2) | 3;
  out[22] = arrays.length;
  let o = 23;
  for (const [type, nals] of arrays) {
    out[o] = 0x80 | type; // array_completeness = 1
    out[o + 1] = nals.length >> 8;
    out[o + 2] = nals.length & 0xff;
    o += 3;
    for (const nal of nals) {
      out[o] = nal.length >> 8;
      out[o + 1] = nal.length & 0xff;
      out.set(nal, o + 2);
      o += 2 + nal.length;
    }
  }
  return out;
}

/** Reads an HEVCDecoderConfigurationRecord; raises ProtocolError `HEVC_BAD_CONFIG` on malformed bytes. */
export function parseHevcDecoderConfig(record: Uint8Array): HevcDecoderConfig {
  const fail = (why: string): never => {
    throw new ProtocolError('HEVC_BAD_CONFIG', `bad HEVCDecoderConfigurationRecord: ${why}`);
  };
  if (record.length < 23) fail('too short');
  const vps: Uint8Array[] = [];
  const sps: Uint8Array[] = [];
  const pps: Uint8Array[] = [];
  let o = 23;
  for (let a = 0; a < record[22]; a++) {
    if (o + 3 > record.length) fail('truncated array header');
    const type = record[o] & 0x3f;
    const count = (record[o + 1] << 8) | record[o + 2];
    o += 3;
    for (let i = 0; i < count; i++) {
      if (o + 2 > record.length) fail('truncated length');
      const len = (record[o] << 8) | record[o + 1];
      o += 2;
      if (o + len > record.length) fail(`NAL length ${len} past end`);
      const nal = record.slice(o, o + len);
      o += len;
      if (type === H265_NAL.vps) vps.push(nal);
      else if (type === H265_NAL.sps) sps.push(nal);
      else if (type === H265_NAL.pps) pps.push(nal);
    }
  }
  return { lengthSize: (record[21] & 3) + 1, vps, sps, pps };
}
