/** H.264 NAL unit types we act on (ITU-T H.264 Table 7-1). */
export const H264_NAL = { nonIdr: 1, idr: 5, sei: 6, sps: 7, pps: 8, aud: 9, stapA: 24, fuA: 28 } as const;

/** H.265 NAL unit types we act on (ITU-T H.265 Table 7-1). */
export const H265_NAL = { bla: 16, craNut: 21, irapMax: 23, vps: 32, sps: 33, pps: 34, aud: 35, sei: 39, ap: 48, fu: 49 } as const;

/** nal_unit_type of an H.264 NAL unit. */
export function h264NalType(nal: Uint8Array): number {
  return nal.length > 0 ? nal[0] & 0x1f : -1;
}

/** nal_unit_type of an H.265 NAL unit. */
export function h265NalType(nal: Uint8Array): number {
  return nal.length > 0 ? (nal[0] >> 1) & 0x3f : -1;
}

/** True when one of the NAL units starts a random access point (H.264 IDR; H.265 IRAP 16..23). */
export function isKeyframe(codec: 'h264' | 'h265', nals: readonly Uint8Array[]): boolean {
  for (const nal of nals) {
    if (codec === 'h264' && h264NalType(nal) === H264_NAL.idr) return true;
    if (codec === 'h265') {
      const t = h265NalType(nal);
      if (t >= H265_NAL.bla && t <= H265_NAL.irapMax) return true;
    }
  }
  return false;
}

/** Removes emulation prevention bytes (00 00 03 → 00 00), giving the RBSP of a NAL unit. */
export function nalToRbsp(nal: Uint8Array): Uint8Array {
  const out = new Uint8Array(nal.length);
  let n = 0;
  let zeros = 0;
  for (let i = 0; i < nal.length; i++) {
    const b = nal[i];
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out[n++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, n);
}
