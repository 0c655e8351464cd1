import { ProtocolError } from '../protocols/protocol-error.js';
import { BitReader } from './bit-reader.js';
import { nalToRbsp } from './nal-units.js';

/** What we read from an H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1). */
export interface H264SpsInfo {
  readonly profileIdc: number;
  readonly constraintFlags: number;
  readonly levelIdc: number;
  readonly width: number;
  readonly height: number;
  /** VUI max_num_reorder_frames (E.2.1): frames a decoder may hold for B-frame reordering; undefined when not signalled. */
  readonly maxNumReorderFrames?: number;
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/**
 * Parses an H.264 SPS NAL unit (with its 1-byte NAL header) for profile, level and the cropped
 * picture size. Malformed input raises ProtocolError.
 */
export function parseH264Sps(nal: Uint8Array): H264SpsInfo {
  if (nal.length < 4 || (nal[0] & 0x1f) !== 7) throw new ProtocolError('H264_BAD_SPS', 'not an H.264 SPS NAL unit');
  const r = new BitReader(nalToRbsp(nal.subarray(1)));
  const profileIdc = r.readBits(8);
  const constraintFlags = r.readBits(8);
  const levelIdc = r.readBits(8);
  r.readUE(); // seq_parameter_set_id
  let chromaFormatIdc = 1;
  let separateColourPlane = 0;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = r.readUE();
    if (chromaFormatIdc === 3) separateColourPlane = r.readBit();
    r.readUE(); // bit_depth_luma_minus8
    r.readUE(); // bit_depth_chroma_minus8
    r.readBit(); // qpprime_y_zero_transform_bypass_flag
    if (r.readBit()) {
      const lists = chromaFormatIdc !== 3 ? 8 : 12;
      for (let i = 0; i < lists; i++) {
        if (r.readBit()) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
  }
  r.readUE(); // log2_max_frame_num_minus4
  const pocType = r.readUE();
  if (pocType === 0) {
    r.readUE();
  } else if (pocType === 1) {
    r.readBit();
    r.readSE();
    r.readSE();
    const cycle = r.readUE();
    if (cycle > 255) throw new ProtocolError('H264_BAD_SPS', `num_ref_frames_in_pic_order_cnt_cycle ${cycle} > 255`);
    for (let i = 0; i < cycle; i++) r.readSE();
  }
  r.readUE(); // max_num_ref_frames
  r.readBit(); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.readUE() + 1;
  const heightMapUnits = r.readUE() + 1;
  const frameMbsOnly = r.readBit();
  if (!frameMbsOnly) r.readBit(); // mb_adaptive_frame_field_flag
  r.readBit(); // direct_8x8_inference_flag
  let cropLeft = 0;
  let cropRight = 0;
  let cropTop = 0;
  let cropBottom = 0;
  if (r.readBit()) {
    cropLeft = r.readUE();
    cropRight = r.readUE();
    cropTop = r.readUE();
    cropBottom = r.readUE();
  }
  // §7.4.2.1.1: crop units depend on chroma subsampling
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subW = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
  const subH = chromaArrayType === 1 ? 2 : 1;
  const cropUnitX = chromaArrayType === 0 ? 1 : subW;
  const cropUnitY = (chromaArrayType === 0 ? 1 : subH) * (2 - frameMbsOnly);
  const width = widthMbs * 16 - cropUnitX * (cropLeft + cropRight);
  const height = (2 - frameMbsOnly) * heightMapUnits * 16 - cropUnitY * (cropTop + cropBottom);
  if (width <= 0 || height <= 0) throw new ProtocolError('H264_BAD_SPS', `bad picture size ${width}x${height}`);
  const info = { profileIdc, constraintFlags, levelIdc, width, height };
  if (r.remaining === 0 || !r.readBit()) return info;
  const maxNumReorderFrames = readVuiReorderFrames(r);
  return maxNumReorderFrames === undefined ? info : { ...info, maxNumReorderFrames };
}

/** Walks vui_parameters() (Annex E.1.1) up to max_num_reorder_frames. */
function readVuiReorderFrames(r: BitReader): number | undefined {
  if (r.readBit()) {
    // aspect_ratio_info: Extended_SAR carries sar_width and sar_height
    if (r.readBits(8) === 255) r.skipBits(32);
  }
  if (r.readBit()) r.skipBits(1); // overscan_appropriate_flag
  if (r.readBit()) {
    r.skipBits(4); // video_format, video_full_range_flag
    if (r.readBit()) r.skipBits(24); // colour description
  }
  if (r.readBit()) {
    r.readUE();
    r.readUE();
  }
  if (r.readBit()) r.skipBits(65); // timing info
  const nalHrd = r.readBit();
  if (nalHrd) skipHrd(r);
  const vclHrd = r.readBit();
  if (vclHrd) skipHrd(r);
  if (nalHrd || vclHrd) r.skipBits(1); // low_delay_hrd_flag
  r.skipBits(1); // pic_struct_present_flag
  if (!r.readBit()) return undefined; // bitstream_restriction_flag
  r.skipBits(1);
  for (let i = 0; i < 4; i++) r.readUE();
  return r.readUE();
}

function skipHrd(r: BitReader): void {
  const cpbCount = r.readUE() + 1;
  if (cpbCount > 32) throw new ProtocolError('H264_BAD_SPS', `cpb_cnt ${cpbCount} > 32`);
  r.skipBits(8);
  for (let i = 0; i < cpbCount; i++) {
    r.readUE();
    r.readUE();
    r.skipBits(1);
  }
  r.skipBits(20);
}

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.readSE() + 256) % 256;
    last = next === 0 ? last : next;
  }
}
