import { ProtocolError } from '../protocols/protocol-error.js';

/**
 * Splits an Annex-B byte stream (ITU-T H.264 Annex B: NAL units after 00 00 01 or 00 00 00 01)
 * into NAL units (views into `data`, no copy). Bytes before the first start code are ignored,
 * trailing zero bytes of each unit are trimmed.
 */
export function splitAnnexB(data: Uint8Array): Uint8Array[] {
  const nals: Uint8Array[] = [];
  let start = -1;
  let i = 0;
  const n = data.length;
  while (i + 2 < n) {
    if (data[i + 2] > 1) {
      i += 3;
    } else if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      if (start >= 0) pushTrimmed(nals, data, start, i);
      start = i + 3;
      i += 3;
    } else {
      i++;
    }
  }
  if (start >= 0) pushTrimmed(nals, data, start, n);
  return nals;
}

function pushTrimmed(nals: Uint8Array[], data: Uint8Array, start: number, end: number): void {
  while (end > start && data[end - 1] === 0) end--;
  if (end > start) nals.push(data.subarray(start, end));
}

/** Joins NAL units with 4-byte start codes. */
export function joinAnnexB(nals: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const nal of nals) size += 4 + nal.length;
  const out = new Uint8Array(size);
  let o = 0;
  for (const nal of nals) {
    out[o + 3] = 1;
    out.set(nal, o + 4);
    o += 4 + nal.length;
  }
  return out;
}

/** Joins NAL units with 4-byte big-endian lengths (AVCC/HVCC framing, the VideoFrame data format). */
export function joinAvcc(nals: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const nal of nals) size += 4 + nal.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let o = 0;
  for (const nal of nals) {
    view.setUint32(o, nal.length);
    out.set(nal, o + 4);
    o += 4 + nal.length;
  }
  return out;
}

/**
 * Splits length-prefixed NAL units (views, no copy). A length running past the end raises
 * ProtocolError `AVCC_BAD_LENGTH`.
 */
export function splitAvcc(data: Uint8Array, lengthSize: 1 | 2 | 3 | 4 = 4): Uint8Array[] {
  const nals: Uint8Array[] = [];
  let o = 0;
  while (o < data.length) {
    if (o + lengthSize > data.length) throw new ProtocolError('AVCC_BAD_LENGTH', `NAL length field truncated at ${o}`);
    let len = 0;
    for (let k = 0; k < lengthSize; k++) len = len * 256 + data[o + k];
    o += lengthSize;
    if (len > data.length - o) throw new ProtocolError('AVCC_BAD_LENGTH', `NAL length too large: ${len} > remaining ${data.length - o}`);
    nals.push(data.subarray(o, o + len));
    o += len;
  }
  return nals;
}

/** Annex-B → AVCC (4-byte lengths). */
export function annexBToAvcc(data: Uint8Array): Uint8Array {
  return joinAvcc(splitAnnexB(data));
}

/** AVCC (4-byte lengths) → Annex-B. */
export function avccToAnnexB(data: Uint8Array): Uint8Array {
  return joinAnnexB(splitAvcc(data));
}
