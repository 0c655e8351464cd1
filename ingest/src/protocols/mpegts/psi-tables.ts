import { ProtocolError } from '../protocol-error.js';
import { crc32Mpeg } from './crc32-mpeg.js';

/** Program association: program number → PMT PID (ISO/IEC 13818-1 §2.4.4.3). */
export interface Pat {
  readonly transportStreamId: number;
  readonly programs: readonly { readonly programNumber: number; readonly pmtPid: number }[];
}

/** One elementary stream of a PMT. */
export interface PmtStream {
  readonly streamType: number;
  readonly pid: number;
  /** Raw descriptor loop (ES_info). */
  readonly descriptors: Uint8Array;
}

/** Program map (ISO/IEC 13818-1 §2.4.4.8). */
export interface Pmt {
  readonly programNumber: number;
  readonly pcrPid: number;
  readonly streams: readonly PmtStream[];
}

/** Service description (ETSI EN 300 468 §5.2.3): the service name is what ffmpeg `-metadata service_name=` sets. */
export interface Sdt {
  readonly transportStreamId: number;
  readonly services: readonly { readonly serviceId: number; readonly providerName: string; readonly serviceName: string }[];
}

/** Table ids we read. */
export const TABLE_ID = { pat: 0x00, pmt: 0x02, sdt: 0x42 } as const;

/** A PSI section with its long-form header fields; `body` excludes header and CRC. */
export interface PsiSection {
  readonly tableId: number;
  /** table_id_extension: transport_stream_id, program_number, … */
  readonly extension: number;
  readonly version: number;
  readonly body: Uint8Array;
}

/**
 * Decodes one complete long-form section (table_id … CRC_32). Raises `TS_BAD_SECTION` for a
 * malformed section and `TS_BAD_CRC` for a CRC mismatch.
 */
export function decodeSection(section: Uint8Array): PsiSection {
  if (section.length < 12) throw new ProtocolError('TS_BAD_SECTION', `PSI section too short: ${section.length}`);
  const length = ((section[1] & 0x0f) << 8) | section[2];
  if (length + 3 !== section.length) throw new ProtocolError('TS_BAD_SECTION', `PSI section length ${length} does not match ${section.length - 3}`);
  if (!(section[1] & 0x80)) throw new ProtocolError('TS_BAD_SECTION', 'PSI section without section_syntax_indicator');
  const crc = crc32Mpeg(section, 0, section.length - 4);
  const stored = new DataView(section.buffer, section.byteOffset).getUint32(section.length - 4);
  if (crc !== stored) throw new ProtocolError('TS_BAD_CRC', `PSI CRC mismatch: ${stored.toString(16)} != ${crc.toString(16)}`);
  return { tableId: section[0], extension: (section[3] << 8) | section[4], version: (section[5] >> 1) & 0x1f, body: section.subarray(8, section.length - 4) };
}

/** Encodes a long-form section with section_number 0/0, current, and its CRC. */
export function encodeSection(tableId: number, extension: number, version: number, body: Uint8Array): Uint8Array {
  const length = 5 + body.length + 4;
  const out = new Uint8Array(3 + length);
  // private_indicator is 1 in DVB tables (SDT), 0 in PAT/PMT
  out.set([tableId, 0xb0 | (tableId === TABLE_ID.sdt ? 0x40 : 0) | (length >> 8), length & 0xff, extension >> 8, extension & 0xff, 0xc1 | ((version & 0x1f) << 1), 0, 0]);
  out.set(body, 8);
  new DataView(out.buffer).setUint32(out.length - 4, crc32Mpeg(out, 0, out.length - 4));
  return out;
}

/** PAT from a decoded section. */
export function decodePat(section: PsiSection): Pat {
  const b = section.body;
  const programs: { programNumber: number; pmtPid: number }[] = [];
  for (let o = 0; o + 4 <= b.length; o += 4) {
    const programNumber = (b[o] << 8) | b[o + 1];
    // program 0 points at the network PID, not a PMT
    if (programNumber !== 0) programs.push({ programNumber, pmtPid: ((b[o + 2] & 0x1f) << 8) | b[o + 3] });
  }
  return { transportStreamId: section.extension, programs };
}

/** PAT section bytes. */
export function encodePat(pat: Pat): Uint8Array {
  const body = new Uint8Array(pat.programs.length * 4);
  pat.programs.forEach((p, i) => body.set([p.programNumber >> 8, p.programNumber & 0xff, 0xe0 | (p.pmtPid >> 8), p.pmtPid & 0xff], i * 4));
  return encodeSection(TABLE_ID.pat, pat.transportStreamId, 0, body);
}

/** PMT from a decoded section. */
export function decodePmt(section: PsiSection): Pmt {
  const b = section.body;
  if (b.length < 4) throw new ProtocolError('TS_BAD_SECTION', 'PMT too short');
  const pcrPid = ((b[0] & 0x1f) << 8) | b[1];
  const programInfoLength = ((b[2] & 0x0f) << 8) | b[3];
  let o = 4 + programInfoLength;
  if (o > b.length) throw new ProtocolError('TS_BAD_SECTION', `PMT program_info_length ${programInfoLength} past end`);
  const streams: PmtStream[] = [];
  while (o + 5 <= b.length) {
    const esInfoLength = ((b[o + 3] & 0x0f) << 8) | b[o + 4];
    if (o + 5 + esInfoLength > b.length) throw new ProtocolError('TS_BAD_SECTION', `PMT ES_info_length ${esInfoLength} past end`);
    streams.push({ streamType: b[o], pid: ((b[o + 1] & 0x1f) << 8) | b[o + 2], descriptors: b.slice(o + 5, o + 5 + esInfoLength) });
    o += 5 + esInfoLength;
  }
  return { programNumber: section.extension, pcrPid, streams };
}

/** PMT section bytes. */
export function encodePmt(pmt: Pmt): Uint8Array {
  const size = 4 + pmt.streams.reduce((n, s) => n + 5 + s.descriptors.length, 0);
  const body = new Uint8Array(size);
  body.set([0xe0 | (pmt.pcrPid >> 8), pmt.pcrPid & 0xff, 0xf0, 0]);
  let o = 4;
  for (const s of pmt.streams) {
    body.set([s.streamType, 0xe0 | (s.pid >> 8), s.pid & 0xff, 0xf0 | (s.descriptors.length >> 8), s.descriptors.length & 0xff], o);
    body.set(s.descriptors, o + 5);
    o += 5 + s.descriptors.length;
  }
  return encodeSection(TABLE_ID.pmt, pmt.programNumber, 0, body);
}

/** SDT (actual transport stream) from a decoded section: service names from service_descriptor (0x48). */
export function decodeSdt(section: PsiSection): Sdt {
  const b = section.body;
  const services: { serviceId: number; providerName: string; serviceName: string }[] = [];
  let o = 3; // original_network_id(16) reserved(8)
  while (o + 5 <= b.length) {
    const serviceId = (b[o] << 8) | b[o + 1];
    const loopLength = ((b[o + 3] & 0x0f) << 8) | b[o + 4];
    const end = o + 5 + loopLength;
    if (end > b.length) throw new ProtocolError('TS_BAD_SECTION', `SDT descriptors_loop_length ${loopLength} past end`);
    let providerName = '';
    let serviceName = '';
    for (let d = o + 5; d + 2 <= end; ) {
      const tag = b[d];
      const len = b[d + 1];
      if (d + 2 + len > end) throw new ProtocolError('TS_BAD_SECTION', `SDT descriptor length ${len} past end`);
      if (tag === 0x48 && len >= 3) {
        const pl = b[d + 3];
        if (5 + pl > 2 + len) throw new ProtocolError('TS_BAD_SECTION', 'SDT service_descriptor provider name past end');
        providerName = dvbString(b.subarray(d + 4, d + 4 + pl));
        const sl = b[d + 4 + pl];
        if (d + 5 + pl + sl > d + 2 + len) throw new ProtocolError('TS_BAD_SECTION', 'SDT service_descriptor service name past end');
        serviceName = dvbString(b.subarray(d + 5 + pl, d + 5 + pl + sl));
      }
      d += 2 + len;
    }
    services.push({ serviceId, providerName, serviceName });
    o = end;
  }
  return { transportStreamId: section.extension, services };
}

/** SDT section bytes (original_network_id 0xff01 as ffmpeg writes). */
export function encodeSdt(sdt: Sdt): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [Uint8Array.of(0xff, 0x01, 0xff)];
  for (const s of sdt.services) {
    const provider = enc.encode(s.providerName).subarray(0, 80);
    const name = enc.encode(s.serviceName).subarray(0, 80);
    // text starting with 0x15 selects UTF-8 (EN 300 468 Annex A) when not plain ASCII
    const p = asciiOrUtf8(provider);
    const n = asciiOrUtf8(name);
    const descLength = 3 + p.length + n.length;
    const loop = new Uint8Array(5 + 2 + descLength);
    loop.set([s.serviceId >> 8, s.serviceId & 0xff, 0xfc, 0x80 | ((2 + descLength) >> 8), (2 + descLength) & 0xff, 0x48, descLength, 0x01, p.length]);
    loop.set(p, 9);
    loop[9 + p.length] = n.length;
    loop.set(n, 10 + p.length);
    parts.push(loop);
  }
  const size = parts.reduce((n, p) => n + p.length, 0);
  const body = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    body.set(p, o);
    o += p.length;
  }
  return encodeSection(TABLE_ID.sdt, sdt.transportStreamId, 0, body);
}

function asciiOrUtf8(bytes: Uint8Array): Uint8Array {
  if (bytes.every((b) => b < 0x80)) return bytes;
  const out = new Uint8Array(bytes.length + 1);
  out[0] = 0x15;
  out.set(bytes, 1);
  return out;
}

function dvbString(bytes: Uint8Array): string {
  if (bytes.length === 0) return '';
  // a first byte below 0x20 selects a character table; we honour UTF-8 (0x15) and read the rest as Latin-1
  if (bytes[0] === 0x15) return new TextDecoder().decode(bytes.subarray(1));
  const start = bytes[0] < 0x20 ? 1 : 0;
  let s = '';
  for (let i = start; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}
