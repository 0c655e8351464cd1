/** Picture size read from an AVCDecoderConfigurationRecord's first SPS. */
export interface AvcPictureSize {
  readonly width: number;
  readonly height: number;
}

/** Exp-Golomb bit reader over an RBSP; returns `undefined` from `parse` on overrun via a sentinel throw. */
class BitReader {
  private bit = 0;
  constructor(private readonly bytes: Uint8Array) {}

  u1(): number {
    const byte = this.bit >> 3;
    if (byte >= this.bytes.length) throw overrun;
    const v = (this.bytes[byte] >> (7 - (this.bit & 7))) & 1;
    this.bit++;
    return v;
  }

  u(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.u1();
    return v;
  }

  ue(): number {
    let zeros = 0;
    while (this.u1() === 0) {
      if (++zeros > 31) throw overrun;
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }

  se(): number {
    const v = this.ue();
    return v & 1 ? (v + 1) / 2 : -v / 2;
  }
}

const overrun = new Error('SPS overrun');

/** Removes emulation prevention bytes (00 00 03 → 00 00), H.264 §7.4.1. */
function unescapeRbsp(nal: Uint8Array): Uint8Array {
  const out: number[] = [];
  let zeros = 0;
  for (const b of nal) {
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    zeros = b === 0 ? zeros + 1 : 0;
    out.push(b);
  }
  return Uint8Array.from(out);
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

function parseSps(sps: Uint8Array): AvcPictureSize {
  const r = new BitReader(unescapeRbsp(sps.subarray(1)));
  const profile = r.u(8);
  r.u(16); // constraint flags, level
  r.ue(); // seq_parameter_set_id
  let chromaFormat = 1;
  if (HIGH_PROFILES.has(profile)) {
    chromaFormat = r.ue();
    if (chromaFormat === 3) r.u1();
    r.ue();
    r.ue();
    r.u1();
    if (r.u1()) {
      for (let i = 0; i < (chromaFormat !== 3 ? 8 : 12); i++) {
        if (!r.u1()) continue;
        let last = 8;
        let next = 8;
        for (let j = 0; j < (i < 6 ? 16 : 64); j++) {
          if (next !== 0) next = (last + r.se() + 256) % 256;
          last = next === 0 ? last : next;
        }
      }
    }
  }
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) {
    r.u1();
    r.se();
    r.se();
    const n = r.ue();
    if (n > 255) throw overrun;
    for (let i = 0; i < n; i++) r.se();
  }
  r.ue(); // max_num_ref_frames
  r.u1();
  const widthMbs = r.ue() + 1;
  const heightUnits = r.ue() + 1;
  const frameMbsOnly = r.u1();
  if (!frameMbsOnly) r.u1();
  r.u1();
  let [left, right, top, bottom] = [0, 0, 0, 0];
  if (r.u1()) [left, right, top, bottom] = [r.ue(), r.ue(), r.ue(), r.ue()];
  const cropX = chromaFormat === 0 || chromaFormat === 3 ? 1 : 2;
  const cropY = (chromaFormat === 1 ? 2 : 1) * (2 - frameMbsOnly);
  return {
    width: widthMbs * 16 - cropX * (left + right),
    height: (2 - frameMbsOnly) * heightUnits * 16 - cropY * (top + bottom),
  };
}

/**
 * Width and height from the first SPS of an AVCDecoderConfigurationRecord (ISO/IEC 14496-15
 * §5.2.4.1; SPS syntax H.264 §7.3.2.1.1), or `undefined` when the record or SPS is malformed.
 */
export function parseAvcPictureSize(record: Uint8Array): AvcPictureSize | undefined {
  if (record.length < 8 || record[0] !== 1 || (record[5] & 0x1f) === 0) return undefined;
  const spsLength = (record[6] << 8) | record[7];
  if (spsLength < 4 || record.length < 8 + spsLength) return undefined;
  try {
    const size = parseSps(record.subarray(8, 8 + spsLength));
    return size.width > 0 && size.height > 0 ? size : undefined;
  } catch (error) {
    if (error === overrun) return undefined;
    throw error;
  }
}
