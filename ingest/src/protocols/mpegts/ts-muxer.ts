import { buildAdtsHeader, parseAudioSpecificConfig, type AacConfig } from '#ingest/media/adts.js';
import { joinAnnexB, splitAvcc } from '#ingest/media/annexb.js';
import { parseAvcDecoderConfig } from '#ingest/media/avc-decoder-config.js';
import { parseHevcDecoderConfig } from '#ingest/media/h265.js';
import type { AudioCodec, MediaFrame, VideoCodec } from '#ingest/media/media-frame.js';
import { H264_NAL, H265_NAL, h264NalType, h265NalType } from '#ingest/media/nal-units.js';
import { ProtocolError } from '../protocol-error.js';
import { encodePat, encodePmt, encodeSdt } from './psi-tables.js';
import { STREAM_TYPE } from './ts-demuxer.js';
import { concatBytes } from '#ingest/media/concat-bytes.js';

/** Options of {@link TsMuxer}. */
export interface TsMuxerOptions {
  /** Video codec of the program, if it has video (h264 or h265). */
  readonly video?: VideoCodec;
  /** Audio codec of the program, if it has audio (aac). */
  readonly audio?: AudioCodec;
  /** SDT service name; no SDT is written without one. */
  readonly serviceName?: string;
  readonly providerName?: string;
  readonly videoPid?: number;
  readonly audioPid?: number;
  readonly pmtPid?: number;
}

const PID_PAT = 0;
const PID_SDT = 0x11;
const AUD_H264 = Uint8Array.of(H264_NAL.aud << 0, 0xf0);
const AUD_H265 = Uint8Array.of(H265_NAL.aud << 1, 1, 0x50);
/** PCR runs this far ahead of DTS (90 kHz ticks) so decoders have buffer time. */
const PCR_LEAD = 9000;

/**
 * Turns protocol-neutral frames into 188-byte MPEG-TS packets (for HLS segments and TS output):
 * PAT/PMT (+SDT) before the first frame and every video keyframe, PES with PTS/DTS, PCR on the
 * PCR PID (video, else audio), AVCC → Annex-B with AUD and parameter sets before keyframes,
 * AAC → ADTS, per-PID continuity counters, adaptation-field stuffing.
 */
export class TsMuxer {
  private readonly videoPid: number;
  private readonly audioPid: number;
  private readonly pmtPid: number;
  private readonly cc = new Map<number, number>();
  private paramSets: Uint8Array[] = [];
  private aac: AacConfig | undefined;
  private tablesWritten = false;

  constructor(private readonly options: TsMuxerOptions) {
    if (options.video !== undefined && options.video !== 'h264' && options.video !== 'h265') {
      throw new ProtocolError('TS_UNSUPPORTED_CODEC', `MPEG-TS output does not carry ${options.video}`);
    }
    if (options.audio !== undefined && options.audio !== 'aac') throw new ProtocolError('TS_UNSUPPORTED_CODEC', `MPEG-TS output does not carry ${options.audio}`);
    this.videoPid = options.videoPid ?? 0x100;
    this.audioPid = options.audioPid ?? 0x101;
    this.pmtPid = options.pmtPid ?? 0x1000;
  }

  /** PAT, PMT and (with a service name) SDT packets. */
  tables(): Uint8Array {
    const o = this.options;
    const streams = [];
    if (o.video) streams.push({ streamType: o.video === 'h264' ? STREAM_TYPE.h264 : STREAM_TYPE.h265, pid: this.videoPid, descriptors: new Uint8Array(0) });
    if (o.audio) streams.push({ streamType: STREAM_TYPE.aacAdts, pid: this.audioPid, descriptors: new Uint8Array(0) });
    const packets = [
      ...(o.serviceName !== undefined ? [this.sectionPacket(PID_SDT, encodeSdt({ transportStreamId: 1, services: [{ serviceId: 1, providerName: o.providerName ?? 'streamgate', serviceName: o.serviceName }] }))] : []),
      this.sectionPacket(PID_PAT, encodePat({ transportStreamId: 1, programs: [{ programNumber: 1, pmtPid: this.pmtPid }] })),
      this.sectionPacket(this.pmtPid, encodePmt({ programNumber: 1, pcrPid: this.pcrPid, streams })),
    ];
    this.tablesWritten = true;
    return concatAll(packets);
  }

  /** Packets for one frame (empty for configs, metadata and tracks the program lacks). */
  push(frame: MediaFrame): Uint8Array {
    switch (frame.kind) {
      case 'video-config': {
        if (frame.codec !== this.options.video) return new Uint8Array(0);
        if (frame.codec === 'h264') {
          const c = parseAvcDecoderConfig(frame.record);
          this.paramSets = [...c.sps, ...c.pps];
        } else {
          const c = parseHevcDecoderConfig(frame.record);
          this.paramSets = [...c.vps, ...c.sps, ...c.pps];
        }
        return new Uint8Array(0);
      }
      case 'audio-config':
        if (frame.codec === 'aac' && this.options.audio === 'aac') this.aac = parseAudioSpecificConfig(frame.record);
        return new Uint8Array(0);
      case 'metadata':
        return new Uint8Array(0);
      case 'video': {
        if (frame.codec !== this.options.video) return new Uint8Array(0);
        const h264 = frame.codec === 'h264';
        const nals = splitAvcc(frame.data).filter((n) => (h264 ? h264NalType(n) !== H264_NAL.aud : h265NalType(n) !== H265_NAL.aud));
        const es = joinAnnexB([h264 ? AUD_H264 : AUD_H265, ...(frame.keyframe ? this.paramSets : []), ...nals]);
        const out: Uint8Array[] = [];
        if (frame.keyframe || !this.tablesWritten) out.push(this.tables());
        const dts = ticks(frame.dts);
        out.push(this.pes(this.videoPid, 0xe0, es, ticks(frame.pts), dts, frame.keyframe, this.pcrPid === this.videoPid ? dts : undefined));
        return concatAll(out);
      }
      case 'audio': {
        if (frame.codec !== this.options.audio || this.aac === undefined) return new Uint8Array(0);
        const es = new Uint8Array(7 + frame.data.length);
        es.set(buildAdtsHeader(this.aac, frame.data.length));
        es.set(frame.data, 7);
        const out: Uint8Array[] = [];
        if (!this.tablesWritten) out.push(this.tables());
        const t = ticks(frame.dts);
        out.push(this.pes(this.audioPid, 0xc0, es, t, t, true, this.pcrPid === this.audioPid ? t : undefined));
        return concatAll(out);
      }
    }
  }

  private get pcrPid(): number {
    return this.options.video ? this.videoPid : this.audioPid;
  }

  private nextCc(pid: number): number {
    const cc = ((this.cc.get(pid) ?? -1) + 1) & 0x0f;
    this.cc.set(pid, cc);
    return cc;
  }

  private sectionPacket(pid: number, section: Uint8Array): Uint8Array {
    if (section.length > 183) throw new ProtocolError('TS_SECTION_TOO_LARGE', `PSI section too large: ${section.length} > limit 183`);
    const p = new Uint8Array(188).fill(0xff);
    p.set([0x47, 0x40 | (pid >> 8), pid & 0xff, 0x10 | this.nextCc(pid), 0]);
    p.set(section, 5);
    return p;
  }

  private pes(pid: number, streamId: number, es: Uint8Array, pts: number, dts: number, randomAccess: boolean, pcr: number | undefined): Uint8Array {
    const withDts = dts !== pts;
    const headerDataLength = withDts ? 10 : 5;
    const pesLength = 3 + headerDataLength + es.length;
    const header = new Uint8Array(9 + headerDataLength);
    // PES_packet_length 0 (unbounded) is allowed for video only (§2.4.3.7)
    const lengthField = streamId === 0xe0 || pesLength > 0xffff ? 0 : pesLength;
    if (lengthField === 0 && streamId !== 0xe0) throw new ProtocolError('TS_PES_TOO_LARGE', `PES too large: ${pesLength} > limit ${0xffff}`);
    header.set([0, 0, 1, streamId, lengthField >> 8, lengthField & 0xff, 0x80, withDts ? 0xc0 : 0x80, headerDataLength]);
    writeTimestamp(header, 9, withDts ? 3 : 2, pts);
    if (withDts) writeTimestamp(header, 14, 1, dts);
    // The PES (header + es) is cut into 188-byte packets written straight into one output: the
    // first packet carries the adaptation field (random access, PCR), the last one the stuffing.
    const total = header.length + es.length;
    const afFirst = pcr !== undefined || randomAccess ? 2 + (pcr !== undefined ? 6 : 0) : 0;
    const firstPayload = Math.min(184 - afFirst, total);
    const count = 1 + Math.ceil((total - firstPayload) / 184);
    const out = new Uint8Array(count * 188);
    const source = Buffer.from(es.buffer, es.byteOffset, es.byteLength);
    let pos = 0;
    for (let i = 0; i < count; i++) {
      const p = i * 188;
      let afTotal = i === 0 ? afFirst : 0;
      const payloadLength = Math.min(184 - afTotal, total - pos);
      const stuffing = 184 - afTotal - payloadLength;
      out[p] = 0x47;
      out[p + 1] = (i === 0 ? 0x40 : 0) | (pid >> 8);
      out[p + 2] = pid & 0xff;
      let o = p + 5;
      if (afTotal > 0) {
        out[o++] = (randomAccess ? 0x40 : 0) | (pcr !== undefined ? 0x10 : 0);
        if (pcr !== undefined) o = writePcr(out, o, Math.max(0, pcr - PCR_LEAD));
      }
      if (stuffing > 0) {
        if (afTotal > 0) afTotal += stuffing;
        else {
          // An adaptation field for the stuffing alone: its length byte, then (room allowing) flags 0.
          afTotal = stuffing;
          if (stuffing >= 2) out[o++] = 0;
        }
        out.fill(0xff, o, p + 4 + afTotal);
      }
      out[p + 3] = (afTotal > 0 ? 0x30 : 0x10) | this.nextCc(pid);
      if (afTotal > 0) out[p + 4] = afTotal - 1;
      let at = p + 4 + afTotal;
      let left = payloadLength;
      if (pos < header.length) {
        const n = Math.min(header.length - pos, left);
        out.set(header.subarray(pos, pos + n), at);
        at += n;
        left -= n;
        pos += n;
      }
      if (left > 0) {
        source.copy(out, at, pos - header.length, pos - header.length + left);
        pos += left;
      }
    }
    return out;
  }
}

/** Writes the 6 PCR bytes (33-bit base, 6 reserved bits, extension 0) at `o`; returns the end. */
function writePcr(out: Uint8Array, o: number, base: number): number {
  const bytes = pcrBytes(base);
  out.set(bytes, o);
  return o + bytes.length;
}

function ticks(ms: number): number {
  const m = 2 ** 33;
  return ((Math.round(ms * 90) % m) + m) % m;
}

function writeTimestamp(b: Uint8Array, o: number, prefix: number, ts: number): void {
  const hi = Math.floor(ts / 2 ** 30) & 7;
  const mid = Math.floor(ts / 2 ** 15) & 0x7fff;
  const lo = ts % 2 ** 15;
  b[o] = (prefix << 4) | (hi << 1) | 1;
  b[o + 1] = mid >> 7;
  b[o + 2] = ((mid & 0x7f) << 1) | 1;
  b[o + 3] = lo >> 7;
  b[o + 4] = ((lo & 0x7f) << 1) | 1;
}

function pcrBytes(base: number): number[] {
  const b = ((base % 2 ** 33) + 2 ** 33) % 2 ** 33;
  return [Math.floor(b / 2 ** 25) & 0xff, Math.floor(b / 2 ** 17) & 0xff, Math.floor(b / 2 ** 9) & 0xff, Math.floor(b / 2) & 0xff, ((b % 2) << 7) | 0x7e, 0];
}

function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0] : concatBytes(parts);
}
