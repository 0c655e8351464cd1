import { aacChannelCount, parseAudioSpecificConfig } from '#ingest/media/adts.js';
import { parseLatmStreamMuxConfig } from '#ingest/media/latm-stream-mux-config.js';
import { buildAvcDecoderConfig, parseAvcDecoderConfig } from '#ingest/media/avc-decoder-config.js';
import { parseH264Sps } from '#ingest/media/h264-sps.js';
import { buildHevcDecoderConfig, parseH265Sps, parseHevcDecoderConfig } from '#ingest/media/h265.js';
import type { AudioConfig, VideoConfig } from '#ingest/media/media-frame.js';
import { buildOpusHead, parseOpusHead } from '#ingest/media/opus-head.js';
import { ProtocolError } from '../protocol-error.js';
import { mediaAttribute, mediaFmtp, mediaRtpmap, type SdpMedia, type SessionDescription } from './sdp.js';

/** A track announced in SDP, as RTP depacketizers and the hub need it. */
export interface SdpTrack {
  readonly codec: 'h264' | 'h265' | 'aac' | 'opus';
  readonly payloadType: number;
  readonly clockRate: number;
  /** `a=control` (absolute or relative to the content base); undefined when absent. */
  readonly control?: string;
  /** Decoder configuration when the SDP carries it (sprop-*, config=); in-band otherwise. */
  readonly config?: VideoConfig | AudioConfig;
  /** How AAC is carried: RFC 3640 AU headers (`mpeg4-generic`, the default) or RFC 6416 LATM. */
  readonly packetization?: 'latm';
  /** LATM only: AAC frames per audioMuxElement. */
  readonly latmSubFrames?: number;
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const unb64 = (s: string): Uint8Array => {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new ProtocolError('SDP_BAD_FMTP', `bad base64 parameter set ${s.slice(0, 16)}`);
  return Uint8Array.from(Buffer.from(s, 'base64'));
};

/**
 * Reads the track of one media section (first payload type), or undefined for codecs we do not
 * carry. Raises ProtocolError for malformed codec parameters.
 */
export function trackFromSdpMedia(media: SdpMedia): SdpTrack | undefined {
  const pt = media.formats[0];
  if (pt === undefined || !/^\d{1,3}$/.test(pt) || Number(pt) > 127) return undefined;
  const rtpmap = mediaRtpmap(media, pt);
  if (rtpmap === undefined) return undefined;
  const fmtp = mediaFmtp(media, pt);
  const control = mediaAttribute(media, 'control');
  const base = { payloadType: Number(pt), clockRate: rtpmap.clockRate, ...(control !== undefined ? { control } : {}) };
  switch (rtpmap.encoding.toLowerCase()) {
    case 'h264': {
      const sets = (fmtp['sprop-parameter-sets'] ?? '').split(',').filter((s) => s !== '').map(unb64);
      const sps = sets.filter((n) => (n[0] & 0x1f) === 7);
      const pps = sets.filter((n) => (n[0] & 0x1f) === 8);
      if (sps.length === 0 || pps.length === 0) return { codec: 'h264', ...base };
      const info = parseH264Sps(sps[0]);
      return { codec: 'h264', ...base, config: { kind: 'video-config', codec: 'h264', record: buildAvcDecoderConfig(sps, pps), width: info.width, height: info.height } };
    }
    case 'h265': {
      const get = (k: string): Uint8Array[] => (fmtp[k] ?? '').split(',').filter((s) => s !== '').map(unb64);
      const vps = get('sprop-vps');
      const sps = get('sprop-sps');
      const pps = get('sprop-pps');
      if (vps.length === 0 || sps.length === 0 || pps.length === 0) return { codec: 'h265', ...base };
      const info = parseH265Sps(sps[0]);
      return { codec: 'h265', ...base, config: { kind: 'video-config', codec: 'h265', record: buildHevcDecoderConfig(vps, sps, pps), width: info.width, height: info.height } };
    }
    case 'mpeg4-generic': {
      // RFC 3640 AAC-hbr only: 13-bit sizes, 3-bit indexes
      if ((fmtp.mode ?? '').toLowerCase() !== 'aac-hbr' || fmtp.sizelength !== '13' || (fmtp.indexlength ?? '3') !== '3') return undefined;
      const hex = fmtp.config ?? '';
      if (!/^([0-9a-fA-F]{2}){2,64}$/.test(hex)) throw new ProtocolError('SDP_BAD_FMTP', `bad AAC config ${hex.slice(0, 16)}`);
      const record = Uint8Array.from(Buffer.from(hex, 'hex'));
      const asc = parseAudioSpecificConfig(record);
      return { codec: 'aac', ...base, config: { kind: 'audio-config', codec: 'aac', record, sampleRate: asc.sampleRate, channels: asc.channels } };
    }
    case 'mp4a-latm': {
      // RFC 6416 §7.3: the configuration is in the SDP (cpresent=0) or in-band (cpresent=1, the default)
      if (fmtp.cpresent !== '0') throw new ProtocolError('LATM_UNSUPPORTED', 'MP4A-LATM with in-band configuration (cpresent=1) is not supported; send cpresent=0 with config=');
      const hex = fmtp.config ?? '';
      if (!/^([0-9a-fA-F]{2}){2,64}$/.test(hex)) throw new ProtocolError('SDP_BAD_FMTP', `bad MP4A-LATM config ${hex.slice(0, 16)}`);
      const mux = parseLatmStreamMuxConfig(Uint8Array.from(Buffer.from(hex, 'hex')));
      const channels = aacChannelCount(mux.channelConfig);
      return {
        codec: 'aac',
        ...base,
        packetization: 'latm',
        latmSubFrames: mux.subFrames,
        config: { kind: 'audio-config', codec: 'aac', record: mux.audioSpecificConfig, sampleRate: mux.sampleRate, channels },
      };
    }
    case 'opus': {
      // RFC 7587 §7: always opus/48000/2 in rtpmap; sprop-stereo says what the sender sends
      const channels = fmtp['sprop-stereo'] === '0' ? 1 : 2;
      return { codec: 'opus', ...base, config: { kind: 'audio-config', codec: 'opus', record: buildOpusHead(channels), sampleRate: 48000, channels } };
    }
    default:
      return undefined;
  }
}

/** What streamgate takes in an ANNOUNCE, for refusals. */
const SUPPORTED = 'streamgate takes H264, H265, AAC (MPEG4-GENERIC AAC-hbr or MP4A-LATM) and Opus';

/**
 * The track of one media section, or why it cannot be taken (a sentence for the client: the
 * codec as the SDP names it and what is supported). Raises ProtocolError for malformed codec
 * parameters.
 */
export function readSdpTrack(media: SdpMedia): SdpTrack | string {
  let track: SdpTrack | undefined;
  try {
    track = trackFromSdpMedia(media);
  } catch (err) {
    // a variant we do not read (the message says which) is a refusal with a reason, not bad input
    if (err instanceof ProtocolError && err.code === 'LATM_UNSUPPORTED') return `${err.message}; ${SUPPORTED}`;
    throw err;
  }
  if (track !== undefined) return track;
  const pt = media.formats[0];
  const rtpmap = pt === undefined ? undefined : mediaRtpmap(media, pt);
  const name = rtpmap ? `${rtpmap.encoding}/${rtpmap.clockRate}` : `payload type ${(pt ?? 'none').slice(0, 8)} without rtpmap`;
  return `${name.slice(0, 64)} is not supported; ${SUPPORTED}`;
}

/** Options of {@link sdpFromTracks}. */
export interface SdpFromTracksOptions {
  /** `s=`, the stream name. */
  readonly sessionName: string;
  /** Address for `o=`/`c=`, default 0.0.0.0. */
  readonly address?: string;
  /** Session id for `o=`. */
  readonly sessionId?: string;
}

/**
 * Session description for DESCRIBE: one media section per config, payload types 96…, controls
 * `trackID=N`. Codecs RTSP does not carry here (av1, vp9, mp3) are left out.
 */
export function sdpFromTracks(configs: readonly (VideoConfig | AudioConfig)[], options: SdpFromTracksOptions): SessionDescription {
  const address = options.address ?? '0.0.0.0';
  const ip = address.includes(':') ? 'IP6' : 'IP4';
  const media: SdpMedia[] = [];
  let pt = 96;
  configs.forEach((config, index) => {
    const m = mediaFor(config, String(pt));
    if (m === undefined) return;
    media.push({ ...m, port: 0, protocol: 'RTP/AVP', formats: [String(pt)], attributes: [...m.attributes, ['control', `trackID=${index}`]] });
    pt++;
  });
  return {
    version: 0,
    origin: `- ${options.sessionId ?? '0'} 0 IN ${ip} ${address}`,
    sessionName: options.sessionName,
    connection: `IN ${ip} ${address}`,
    timing: '0 0',
    attributes: [['tool', 'streamgate'], ['range', 'npt=0-']],
    media,
  };
}

function mediaFor(config: VideoConfig | AudioConfig, pt: string): Pick<SdpMedia, 'type' | 'attributes'> | undefined {
  if (config.kind === 'video-config') {
    if (config.codec === 'h264') {
      const c = parseAvcDecoderConfig(config.record);
      const sps = c.sps[0];
      const profileLevelId = sps ? Buffer.from(sps.subarray(1, 4)).toString('hex').toUpperCase() : '42E01F';
      return {
        type: 'video',
        attributes: [
          ['rtpmap', `${pt} H264/90000`],
          ['fmtp', `${pt} packetization-mode=1; sprop-parameter-sets=${[...c.sps, ...c.pps].map(b64).join(',')}; profile-level-id=${profileLevelId}`],
        ],
      };
    }
    if (config.codec === 'h265') {
      const c = parseHevcDecoderConfig(config.record);
      return {
        type: 'video',
        attributes: [
          ['rtpmap', `${pt} H265/90000`],
          ['fmtp', `${pt} sprop-vps=${c.vps.map(b64).join(',')}; sprop-sps=${c.sps.map(b64).join(',')}; sprop-pps=${c.pps.map(b64).join(',')}`],
        ],
      };
    }
    return undefined;
  }
  if (config.codec === 'aac') {
    return {
      type: 'audio',
      attributes: [
        ['rtpmap', `${pt} MPEG4-GENERIC/${config.sampleRate}/${config.channels}`],
        ['fmtp', `${pt} profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=${Buffer.from(config.record).toString('hex').toUpperCase()}`],
      ],
    };
  }
  if (config.codec === 'opus') {
    const channels = config.record.length >= 19 ? parseOpusHead(config.record).channels : config.channels;
    return { type: 'audio', attributes: [['rtpmap', `${pt} opus/48000/2`], ['fmtp', `${pt} sprop-stereo=${channels === 2 ? 1 : 0}`]] };
  }
  return undefined;
}
