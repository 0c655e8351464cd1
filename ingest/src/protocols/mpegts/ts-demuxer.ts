import { splitAnnexB, joinAvcc } from '#ingest/media/annexb.js';
import { audioSpecificConfigFromAdts, splitAdts } from '#ingest/media/adts.js';
import { buildAvcDecoderConfig } from '#ingest/media/avc-decoder-config.js';
import { parseH264Sps } from '#ingest/media/h264-sps.js';
import { buildHevcDecoderConfig, parseH265Sps } from '#ingest/media/h265.js';
import type { AudioCodec, AudioConfig, MediaFrame, VideoCodec, VideoConfig } from '#ingest/media/media-frame.js';
import { H264_NAL, H265_NAL, h264NalType, h265NalType, isKeyframe } from '#ingest/media/nal-units.js';
import { buildOpusHead } from '#ingest/media/opus-head.js';
import { opusPacketDuration, splitOpusTs } from '#ingest/media/opus-packet.js';
import { TimestampUnwrapper } from '#ingest/media/timestamp-unwrapper.js';
import { LIMITS } from '../limits.js';
import { ProtocolError, checkLimit } from '../protocol-error.js';
import { decodePat, decodePmt, decodeSdt, decodeSection, TABLE_ID, type PmtStream } from './psi-tables.js';
import { detectTsPacketSize } from './ts-packet-size.js';
import { concatBytes } from '#ingest/media/concat-bytes.js';

/** Stream types we demux (ISO/IEC 13818-1 Table 2-34; 0x24 from H.222.0 Amd 3). */
export const STREAM_TYPE = { aacAdts: 0x0f, h264: 0x1b, h265: 0x24, privateData: 0x06 } as const;

/** One elementary stream announced by the PMT. */
export interface TsTrack {
  readonly pid: number;
  readonly streamType: number;
  /** Undefined for stream types we do not demux (their packets are skipped). */
  readonly codec?: VideoCodec | AudioCodec;
}

/** What {@link TsDemuxer.push} reports. */
export type TsDemuxEvent =
  | { readonly type: 'service'; readonly serviceName: string; readonly providerName: string }
  | { readonly type: 'tracks'; readonly tracks: readonly TsTrack[] }
  | { readonly type: 'frame'; readonly frame: MediaFrame };

/** Counters of tolerated damage, for logs and metrics. */
export interface TsDemuxStats {
  packets: number;
  continuityErrors: number;
  crcErrors: number;
  syncLosses: number;
  droppedFrames: number;
}

/** Options of {@link TsDemuxer}. */
export interface TsDemuxerOptions {
  readonly maxPesSize?: number;
  readonly maxSyncSearchBytes?: number;
  /** PES bytes held over all elementary streams together (each is also bounded by maxPesSize). */
  readonly maxPendingBytes?: number;
  /**
   * The caller never rewrites bytes it pushed (each push is a buffer of its own, as a UDP datagram
   * is): PES data is kept as views of them, not copied per TS packet (an SRT publisher's 1316-byte
   * datagrams, docs/benchmark.md Round 7). Off by default: a TCP reader's buffer is reused.
   */
  readonly ownsInput?: boolean;
}

const EMPTY = new Uint8Array(0);

const PID_PAT = 0x0000;
const PID_SDT = 0x0011;
const MAX_SECTION_BYTES = 4096 + 188;

/**
 * Push parser for an MPEG transport stream (crtmpserver inboundTcpTs, `ffmpeg -f mpegts tcp://…`).
 * Detects the packet size, follows PAT → PMT (and the SDT service name), reassembles PES packets
 * and turns H.264/H.265 access units, AAC ADTS frames and Opus packets into protocol-neutral frames with
 * configs emitted before the first frame and on change. Timestamps are unwrapped 33-bit 90 kHz
 * values in ms. Continuity errors and bad PSI CRCs are counted, not fatal.
 */
export class TsDemuxer {
  readonly stats: TsDemuxStats = { packets: 0, continuityErrors: 0, crcErrors: 0, syncLosses: 0, droppedFrames: 0 };
  private pending: Uint8Array = EMPTY;
  private skip = 0;
  private packetSize: number | undefined;
  private readonly maxPesSize: number;
  private readonly maxSyncSearch: number;
  private readonly maxPending: number;
  private readonly ownsInput: boolean;
  private readonly psi = new Map<number, PsiAssembler>();
  private readonly pmtPids = new Set<number>();
  private readonly es = new Map<number, EsState>();
  private readonly cc = new Map<number, number>();
  private readonly clock = new TimestampUnwrapper(33);
  private serviceNameValue: string | undefined;
  private events: TsDemuxEvent[] = [];

  constructor(options: TsDemuxerOptions = {}) {
    this.maxPesSize = options.maxPesSize ?? LIMITS.tsMaxPesSize;
    this.maxSyncSearch = options.maxSyncSearchBytes ?? LIMITS.tsMaxSyncSearchBytes;
    this.maxPending = options.maxPendingBytes ?? LIMITS.connectionMaxPendingBytes;
    this.ownsInput = options.ownsInput ?? false;
    this.psi.set(PID_PAT, new PsiAssembler());
    this.psi.set(PID_SDT, new PsiAssembler());
  }

  /** Bytes kept for input not complete yet: a partial packet and the PES data being assembled. */
  get bufferedBytes(): number {
    let n = this.pending.length;
    for (const es of this.es.values()) n += es.size;
    return n;
  }

  /** The detected packet size (188, 192, 204 or 208) once known. */
  get detectedPacketSize(): number | undefined {
    return this.packetSize;
  }

  /** The SDT service name once seen (the stream name for TS ingest). */
  get serviceName(): string | undefined {
    return this.serviceNameValue;
  }

  /** Consumes bytes; returns the events they complete. */
  push(bytes: Uint8Array): TsDemuxEvent[] {
    const buf = this.pending.length === 0 ? bytes : concat(this.pending, bytes);
    let o = Math.min(this.skip, buf.length);
    this.skip -= o;
    for (;;) {
      if (this.packetSize === undefined) {
        const found = detectTsPacketSize(buf.subarray(o), this.maxSyncSearch);
        if (found === undefined) break;
        this.packetSize = found.size;
        o += found.offset;
      }
      if (buf.length - o < 188) break;
      if (buf[o] !== 0x47) {
        // lost sync: search again from here, within the same bound
        this.stats.syncLosses++;
        this.packetSize = undefined;
        continue;
      }
      this.packet(buf.subarray(o, o + 188));
      if (buf.length - o < this.packetSize) {
        // the trailer (FEC, next M2TS prefix) has not fully arrived: skip the rest when it does
        this.skip = this.packetSize - (buf.length - o);
        o = buf.length;
        break;
      }
      o += this.packetSize;
    }
    this.pending = o >= buf.length ? EMPTY : buf.slice(o);
    const out = this.events;
    this.events = [];
    return out;
  }

  /** Completes PES packets still open (end of input) and returns their events. */
  end(): TsDemuxEvent[] {
    // a stream too short to prove its packet size: take 188 if it starts in sync
    if (this.packetSize === undefined && this.pending.length >= 188 && this.pending[0] === 0x47) {
      this.packetSize = 188;
      const events = this.push(new Uint8Array(0));
      this.events.push(...events);
    }
    for (const [pid, state] of this.es) this.finishPes(pid, state);
    const out = this.events;
    this.events = [];
    return out;
  }

  private packet(p: Uint8Array): void {
    this.stats.packets++;
    if (p[1] & 0x80) return; // transport_error_indicator: the demodulator says this packet is bad
    const pusi = (p[1] & 0x40) !== 0;
    const pid = ((p[1] & 0x1f) << 8) | p[2];
    if (p[3] & 0xc0) return; // scrambled
    const afc = (p[3] >> 4) & 3;
    const cc = p[3] & 0x0f;
    let payloadStart = 4;
    let discontinuity = false;
    if (afc & 2) {
      const afLength = p[4];
      if (afLength > (afc === 3 ? 182 : 183)) throw new ProtocolError('TS_BAD_PACKET', `adaptation_field_length ${afLength} > ${afc === 3 ? 182 : 183}`);
      discontinuity = afLength > 0 && (p[5] & 0x80) !== 0;
      payloadStart = 5 + afLength;
    }
    if (!(afc & 1) || pid === 0x1fff) return;
    const last = this.cc.get(pid);
    this.cc.set(pid, cc);
    if (last !== undefined && !discontinuity) {
      if (cc === last) return; // duplicate packet (§2.4.3.3)
      if (cc !== ((last + 1) & 0x0f)) {
        this.stats.continuityErrors++;
        this.psi.get(pid)?.reset();
        const es = this.es.get(pid);
        if (es) this.dropPes(es);
      }
    }
    const payload = p.subarray(payloadStart);
    const psi = this.psi.get(pid);
    if (psi) {
      for (const section of psi.push(payload, pusi)) this.section(pid, section);
      return;
    }
    const es = this.es.get(pid);
    if (es) this.pesPayload(pid, es, payload, pusi);
  }

  private section(pid: number, bytes: Uint8Array): void {
    let section;
    try {
      section = decodeSection(bytes);
    } catch (err) {
      if (err instanceof ProtocolError && err.code === 'TS_BAD_CRC') {
        this.stats.crcErrors++;
        return;
      }
      throw err;
    }
    if (pid === PID_PAT && section.tableId === TABLE_ID.pat) {
      for (const program of decodePat(section).programs) {
        if (!this.pmtPids.has(program.pmtPid) && !this.es.has(program.pmtPid)) {
          this.pmtPids.add(program.pmtPid);
          this.psi.set(program.pmtPid, new PsiAssembler());
        }
      }
    } else if (pid === PID_SDT && section.tableId === TABLE_ID.sdt) {
      const service = decodeSdt(section).services[0];
      if (service && service.serviceName !== this.serviceNameValue) {
        this.serviceNameValue = service.serviceName;
        this.events.push({ type: 'service', serviceName: service.serviceName, providerName: service.providerName });
      }
    } else if (this.pmtPids.has(pid) && section.tableId === TABLE_ID.pmt) {
      this.pmt(decodePmt(section).streams);
    }
  }

  private pmt(streams: readonly PmtStream[]): void {
    let changed = false;
    const tracks: TsTrack[] = [];
    for (const s of streams) {
      if (this.psi.has(s.pid)) continue; // never let a PMT re-route PSI PIDs
      const codec = codecOf(s);
      tracks.push({ pid: s.pid, streamType: s.streamType, codec });
      if (codec === undefined) continue;
      const existing = this.es.get(s.pid);
      if (existing && existing.codec === codec) continue;
      this.es.set(s.pid, newEsState(codec, opusChannels(s.descriptors) ?? 2));
      changed = true;
    }
    if (changed) this.events.push({ type: 'tracks', tracks });
  }

  private pesPayload(pid: number, es: EsState, payload: Uint8Array, pusi: boolean): void {
    if (pusi) {
      if (es.started) this.finishPes(pid, es);
      es.started = true;
    } else if (!es.started) {
      return; // joined mid-PES: wait for the next start
    }
    checkLimit('TS_PES_TOO_LARGE', 'PES', es.size + payload.length, this.maxPesSize);
    // A PMT may list many elementary streams, each with a PES under way: their sum is bounded too.
    let pending = payload.length;
    for (const other of this.es.values()) pending += other.size;
    checkLimit('TS_PENDING_TOO_LARGE', 'PES data of all elementary streams', pending, this.maxPending);
    es.chunks.push(this.ownsInput ? payload : payload.slice());
    es.size += payload.length;
    if (es.expected === undefined && es.size >= 6) {
      const head = es.chunks.length === 1 ? es.chunks[0] : concat(es.chunks[0], es.chunks[1] ?? new Uint8Array(0));
      if (head.length >= 6) {
        const len = (head[4] << 8) | head[5];
        es.expected = len === 0 ? 0 : 6 + len;
      }
    }
    // a bounded PES is complete when its length is reached; audio then leaves without waiting for the next PES
    if (es.expected !== undefined && es.expected > 0 && es.size >= es.expected) this.finishPes(pid, es);
  }

  private dropPes(es: EsState): void {
    if (es.size > 0) this.stats.droppedFrames++;
    es.chunks = [];
    es.size = 0;
    es.expected = undefined;
    es.started = false;
  }

  private finishPes(_pid: number, es: EsState): void {
    if (es.size === 0) return;
    let pes = joinChunks(es.chunks, es.size);
    const expected = es.expected;
    this.dropPesQuiet(es);
    if (expected !== undefined && expected > 0 && pes.length > expected) pes = pes.subarray(0, expected);
    if (pes.length < 9 || pes[0] !== 0 || pes[1] !== 0 || pes[2] !== 1) throw new ProtocolError('TS_BAD_PES', 'PES packet without start code prefix');
    const headerDataLength = pes[8];
    const payloadStart = 9 + headerDataLength;
    if (payloadStart > pes.length) throw new ProtocolError('TS_BAD_PES', `PES_header_data_length ${headerDataLength} past end of ${pes.length}-byte PES`);
    const ptsDtsFlags = pes[7] >> 6;
    if (ptsDtsFlags === 1) throw new ProtocolError('TS_BAD_PES', 'PES PTS_DTS_flags = 01 is forbidden');
    if (ptsDtsFlags === 0) {
      this.stats.droppedFrames++; // no timestamp: nothing to place it on the timeline with
      return;
    }
    if (headerDataLength < (ptsDtsFlags === 3 ? 10 : 5)) throw new ProtocolError('TS_BAD_PES', `PES header too short for its timestamps: ${headerDataLength}`);
    const pts = this.clock.unwrap(readTimestamp(pes, 9)) / 90;
    const dts = ptsDtsFlags === 3 ? this.clock.unwrap(readTimestamp(pes, 14)) / 90 : pts;
    const data = pes.subarray(payloadStart);
    if (es.codec === 'aac') this.aac(es, data, pts);
    else if (es.codec === 'opus') this.opus(es, data, pts);
    else if (es.codec === 'h264' || es.codec === 'h265') this.video(es, es.codec, data, dts, pts);
  }

  private dropPesQuiet(es: EsState): void {
    es.chunks = [];
    es.size = 0;
    es.expected = undefined;
    es.started = false;
  }

  private video(es: EsState, codec: 'h264' | 'h265', data: Uint8Array, dts: number, pts: number): void {
    const nals = splitAnnexB(data);
    const frameNals: Uint8Array[] = [];
    let paramsChanged = false;
    for (const nal of nals) {
      if (codec === 'h264') {
        const t = h264NalType(nal);
        if (t === H264_NAL.aud) continue;
        if (t === H264_NAL.sps || t === H264_NAL.pps) {
          paramsChanged = es.params.set(t, nal) || paramsChanged;
          continue;
        }
      } else {
        const t = h265NalType(nal);
        if (t === H265_NAL.aud) continue;
        if (t === H265_NAL.vps || t === H265_NAL.sps || t === H265_NAL.pps) {
          paramsChanged = es.params.set(t, nal) || paramsChanged;
          continue;
        }
      }
      frameNals.push(nal);
    }
    if (paramsChanged) {
      const config = es.params.config(codec);
      if (config) {
        es.haveConfig = true;
        this.events.push({ type: 'frame', frame: config });
      }
    }
    if (frameNals.length === 0) return;
    const keyframe = isKeyframe(codec, frameNals);
    if (!es.haveConfig || (!es.seenKeyframe && !keyframe)) {
      this.stats.droppedFrames++;
      return;
    }
    es.seenKeyframe = true;
    this.events.push({ type: 'frame', frame: { kind: 'video', codec, dts, pts, keyframe, data: joinAvcc(frameNals) } });
  }

  private opus(es: EsState, payload: Uint8Array, pts: number): void {
    let ts = pts;
    for (const packet of splitOpusTs(payload)) {
      if (es.asc === undefined) {
        es.asc = buildOpusHead(es.channels);
        this.events.push({ type: 'frame', frame: { kind: 'audio-config', codec: 'opus', record: es.asc, sampleRate: 48000, channels: es.channels } });
      }
      this.events.push({ type: 'frame', frame: { kind: 'audio', codec: 'opus', dts: ts, data: packet.slice() } });
      ts += opusPacketDuration(packet);
    }
  }

  private aac(es: EsState, payload: Uint8Array, pts: number): void {
    const data = es.remainder.length > 0 ? concat(es.remainder, payload) : payload;
    const carried = es.remainder.length;
    const { frames, consumed } = splitAdts(data);
    let index = 0;
    let offset = 0;
    for (const f of frames) {
      const duration = (1024 * 1000) / f.header.sampleRate;
      // a frame begun in the previous PES continues that PES's timeline
      const ts = offset < carried ? es.nextAudioTs : pts + index++ * duration;
      offset += f.header.frameLength;
      es.nextAudioTs = ts + duration;
      const asc = audioSpecificConfigFromAdts(f.header);
      if (es.asc === undefined || !sameBytes(es.asc, asc)) {
        es.asc = asc;
        const config: AudioConfig = { kind: 'audio-config', codec: 'aac', record: asc, sampleRate: f.header.sampleRate, channels: f.header.channels };
        this.events.push({ type: 'frame', frame: config });
      }
      this.events.push({ type: 'frame', frame: { kind: 'audio', codec: 'aac', dts: ts, data: f.payload.slice() } });
    }
    es.remainder = consumed >= data.length ? new Uint8Array(0) : data.slice(consumed);
  }
}

interface EsState {
  readonly codec: VideoCodec | AudioCodec;
  chunks: Uint8Array[];
  size: number;
  expected: number | undefined;
  started: boolean;
  // video
  readonly params: ParameterSets;
  haveConfig: boolean;
  seenKeyframe: boolean;
  // aac
  remainder: Uint8Array;
  nextAudioTs: number;
  /** AudioSpecificConfig (aac) or OpusHead (opus) last emitted. */
  asc: Uint8Array | undefined;
  readonly channels: number;
}

function newEsState(codec: VideoCodec | AudioCodec, channels: number): EsState {
  return { codec, channels, chunks: [], size: 0, expected: undefined, started: false, params: new ParameterSets(), haveConfig: false, seenKeyframe: false, remainder: new Uint8Array(0), nextAudioTs: 0, asc: undefined };
}

/** Latest VPS/SPS/PPS of a video stream; a config is built when they change. */
class ParameterSets {
  private readonly sets = new Map<number, Uint8Array>();

  /** Stores a parameter set; true when it differs from the stored one. */
  set(type: number, nal: Uint8Array): boolean {
    const old = this.sets.get(type);
    if (old && sameBytes(old, nal)) return false;
    this.sets.set(type, nal.slice());
    return true;
  }

  config(codec: 'h264' | 'h265'): VideoConfig | undefined {
    if (codec === 'h264') {
      const sps = this.sets.get(H264_NAL.sps);
      const pps = this.sets.get(H264_NAL.pps);
      if (!sps || !pps) return undefined;
      const info = parseH264Sps(sps);
      return { kind: 'video-config', codec, record: buildAvcDecoderConfig([sps], [pps]), width: info.width, height: info.height };
    }
    const vps = this.sets.get(H265_NAL.vps);
    const sps = this.sets.get(H265_NAL.sps);
    const pps = this.sets.get(H265_NAL.pps);
    if (!vps || !sps || !pps) return undefined;
    const info = parseH265Sps(sps);
    return { kind: 'video-config', codec, record: buildHevcDecoderConfig([vps], [sps], [pps]), width: info.width, height: info.height };
  }
}

/** Reassembles PSI sections of one PID across packets (pointer_field, §2.4.4.2). */
class PsiAssembler {
  private partial: Uint8Array | undefined;

  reset(): void {
    this.partial = undefined;
  }

  push(payload: Uint8Array, pusi: boolean): Uint8Array[] {
    const sections: Uint8Array[] = [];
    if (pusi) {
      if (payload.length === 0) throw new ProtocolError('TS_BAD_SECTION', 'PSI packet without pointer_field');
      const pointer = payload[0];
      if (1 + pointer > payload.length) throw new ProtocolError('TS_BAD_SECTION', `pointer_field ${pointer} past end of packet`);
      if (this.partial) {
        this.partial = concat(this.partial, payload.subarray(1, 1 + pointer));
        this.take(sections);
      }
      this.partial = payload.slice(1 + pointer);
    } else if (this.partial) {
      this.partial = concat(this.partial, payload);
    } else {
      return sections;
    }
    this.take(sections);
    return sections;
  }

  private take(sections: Uint8Array[]): void {
    while (this.partial && this.partial.length >= 3) {
      if (this.partial[0] === 0xff) {
        this.partial = undefined; // stuffing up to the end of the packet
        return;
      }
      const length = ((this.partial[1] & 0x0f) << 8) | this.partial[2];
      if (length > 4093) throw new ProtocolError('TS_BAD_SECTION', `section_length ${length} > 4093`);
      if (this.partial.length < 3 + length) break;
      sections.push(this.partial.slice(0, 3 + length));
      this.partial = this.partial.subarray(3 + length);
    }
    if (this.partial && this.partial.length > MAX_SECTION_BYTES) this.partial = undefined;
  }
}

function codecOf(s: PmtStream): VideoCodec | AudioCodec | undefined {
  switch (s.streamType) {
    case STREAM_TYPE.h264:
      return 'h264';
    case STREAM_TYPE.h265:
      return 'h265';
    case STREAM_TYPE.aacAdts:
      return 'aac';
    case STREAM_TYPE.privateData:
      return opusChannels(s.descriptors) !== undefined ? 'opus' : undefined;
    default:
      return undefined;
  }
}

/**
 * Channels of an Opus stream: registration descriptor 'Opus' plus the extension descriptor's
 * channel_config_code (Opus in MPEG-TS §6.1). Only mono and stereo (mapping family 0) are carried.
 */
function opusChannels(descriptors: Uint8Array): number | undefined {
  let registered = false;
  let channels: number | undefined;
  for (let o = 0; o + 2 <= descriptors.length; o += 2 + descriptors[o + 1]) {
    const tag = descriptors[o];
    const len = descriptors[o + 1];
    if (o + 2 + len > descriptors.length) break;
    const d = descriptors.subarray(o + 2, o + 2 + len);
    if (tag === 0x05 && len >= 4 && d[0] === 0x4f && d[1] === 0x70 && d[2] === 0x75 && d[3] === 0x73) registered = true;
    if (tag === 0x7f && len >= 2 && d[0] === 0x80) channels = d[1];
  }
  if (!registered) return undefined;
  const c = channels ?? 2;
  return c === 1 || c === 2 ? c : undefined;
}

function readTimestamp(b: Uint8Array, o: number): number {
  return ((b[o] >> 1) & 0x07) * 2 ** 30 + ((b[o + 1] << 7) | (b[o + 2] >> 1)) * 2 ** 15 + ((b[o + 3] << 7) | (b[o + 4] >> 1));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function joinChunks(chunks: readonly Uint8Array[], size: number): Uint8Array {
  return chunks.length === 1 ? chunks[0] : concatBytes(chunks, size);
}
