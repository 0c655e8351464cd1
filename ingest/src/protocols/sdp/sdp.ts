import { LIMITS } from '../limits.js';
import { ProtocolError, checkLimit } from '../protocol-error.js';

/** One media description (`m=` and the lines after it, RFC 4566 §5.14). */
export interface SdpMedia {
  readonly type: string;
  readonly port: number;
  readonly protocol: string;
  readonly formats: readonly string[];
  readonly connection?: string;
  readonly bandwidth?: string;
  /** `a=` lines in order: [name, value] (value undefined for flags). */
  readonly attributes: readonly (readonly [string, string | undefined])[];
}

/** A session description (RFC 4566). */
export interface SessionDescription {
  readonly version: number;
  readonly origin: string;
  /** `s=`: ffmpeg puts `-metadata title=…` here; RTSP publish uses it as the stream name. */
  readonly sessionName: string;
  readonly connection?: string;
  readonly timing: string;
  readonly attributes: readonly (readonly [string, string | undefined])[];
  readonly media: readonly SdpMedia[];
}

/** Bounds beyond the body size: lines and media sections. */
export const SDP_MAX_LINES = LIMITS.sdpMaxLines;
export const SDP_MAX_MEDIA = LIMITS.sdpMaxMedia;

/** Parses SDP text. Raises `SDP_TOO_LARGE`, `SDP_BAD_LINE`, `SDP_BAD_MEDIA`, `SDP_MISSING_FIELD`. */
export function parseSdp(text: string): SessionDescription {
  checkLimit('SDP_TOO_LARGE', 'SDP', text.length, LIMITS.rtspMaxBodySize);
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  checkLimit('SDP_TOO_LARGE', 'SDP line count', lines.length, SDP_MAX_LINES);
  let version: number | undefined;
  let origin = '';
  let sessionName: string | undefined;
  let connection: string | undefined;
  let timing = '0 0';
  const attributes: [string, string | undefined][] = [];
  const media: { -readonly [K in keyof SdpMedia]: SdpMedia[K] }[] = [];
  for (const line of lines) {
    if (line.length < 2 || line[1] !== '=' || !/[a-z]/.test(line[0])) throw new ProtocolError('SDP_BAD_LINE', `malformed SDP line: ${line.slice(0, 64)}`);
    const key = line[0];
    const value = line.slice(2).trim();
    const current = media[media.length - 1];
    switch (key) {
      case 'v':
        if (!/^\d{1,3}$/.test(value)) throw new ProtocolError('SDP_BAD_LINE', `bad SDP version ${value.slice(0, 16)}`);
        version = Number(value);
        break;
      case 'o':
        origin = value;
        break;
      case 's':
        sessionName = value;
        break;
      case 't':
        timing = value;
        break;
      case 'c':
        if (current) current.connection = value;
        else connection = value;
        break;
      case 'b':
        if (current) current.bandwidth = value;
        break;
      case 'm': {
        checkLimit('SDP_TOO_LARGE', 'SDP media count', media.length + 1, SDP_MAX_MEDIA);
        const m = /^(\S+) (\d{1,5})(?:\/\d+)? (\S+)((?: \S+)*)$/.exec(value);
        if (!m || Number(m[2]) > 65535) throw new ProtocolError('SDP_BAD_MEDIA', `malformed m= line: ${value.slice(0, 64)}`);
        media.push({ type: m[1], port: Number(m[2]), protocol: m[3], formats: m[4].trim() === '' ? [] : m[4].trim().split(' '), attributes: [] });
        break;
      }
      case 'a': {
        const colon = value.indexOf(':');
        const attr: [string, string | undefined] = colon < 0 ? [value, undefined] : [value.slice(0, colon), value.slice(colon + 1)];
        (current ? (current.attributes as [string, string | undefined][]) : attributes).push(attr);
        break;
      }
      default:
        break; // i=, u=, e=, p=, z=, k=, r= carry nothing we use
    }
  }
  if (version === undefined) throw new ProtocolError('SDP_MISSING_FIELD', 'SDP without v= line');
  const desc = { version, origin, sessionName: sessionName ?? '', timing, attributes, media };
  return connection === undefined ? desc : { ...desc, connection };
}

/** Formats a session description with CRLF line ends. */
export function formatSdp(d: SessionDescription): string {
  const lines = [`v=${d.version}`, `o=${d.origin}`, `s=${d.sessionName === '' ? ' ' : d.sessionName}`];
  if (d.connection !== undefined) lines.push(`c=${d.connection}`);
  lines.push(`t=${d.timing}`);
  const attr = ([k, v]: readonly [string, string | undefined]): string => (v === undefined ? `a=${k}` : `a=${k}:${v}`);
  lines.push(...d.attributes.map(attr));
  for (const m of d.media) {
    lines.push(`m=${m.type} ${m.port} ${m.protocol} ${m.formats.join(' ')}`);
    if (m.connection !== undefined) lines.push(`c=${m.connection}`);
    if (m.bandwidth !== undefined) lines.push(`b=${m.bandwidth}`);
    lines.push(...m.attributes.map(attr));
  }
  return lines.join('\r\n') + '\r\n';
}

/** First value of attribute `name` in a media section. */
export function mediaAttribute(media: SdpMedia, name: string): string | undefined {
  return media.attributes.find(([k]) => k === name)?.[1];
}

/** The `a=rtpmap` of payload type `pt`: encoding name, clock rate, channels. */
export function mediaRtpmap(media: SdpMedia, pt: string): { encoding: string; clockRate: number; channels?: number } | undefined {
  for (const [k, v] of media.attributes) {
    if (k !== 'rtpmap' || v === undefined) continue;
    const m = /^(\d+) ([^/\s]+)\/(\d+)(?:\/(\d+))?\s*$/.exec(v);
    if (m && m[1] === pt) return { encoding: m[2], clockRate: Number(m[3]), ...(m[4] !== undefined ? { channels: Number(m[4]) } : {}) };
  }
  return undefined;
}

/** The `a=fmtp` parameters of payload type `pt`, keys lower-cased. */
export function mediaFmtp(media: SdpMedia, pt: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of media.attributes) {
    if (k !== 'fmtp' || v === undefined) continue;
    const space = v.indexOf(' ');
    if (space < 0 || v.slice(0, space) !== pt) continue;
    for (const param of v.slice(space + 1).split(';')) {
      const eq = param.indexOf('=');
      if (eq > 0) out[param.slice(0, eq).trim().toLowerCase()] = param.slice(eq + 1).trim();
    }
  }
  return out;
}
