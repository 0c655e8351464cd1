import { ValidationError } from './errors.js';
import { ipInRange, parseIp, parseIpRange, type IpRange } from './ip-range.js';

/** Schemes a relay may push to or pull from. */
export type RelayScheme = 'rtmp' | 'rtmps' | 'rtsp' | 'rtsps' | 'http' | 'https' | 'srt';

/** Schemes a push target may use: RTMP(S), SRT (caller, MPEG-TS). */
export const PUSH_SCHEMES: readonly RelayScheme[] = ['rtmp', 'rtmps', 'srt'];
/** Schemes a pull source may use: RTMP play, RTSP (TCP or UDP; RTSPS interleaved), HTTP-FLV, SRT (caller, MPEG-TS). */
export const PULL_SCHEMES: readonly RelayScheme[] = ['rtmp', 'rtmps', 'rtsp', 'rtsps', 'http', 'https', 'srt'];

const DEFAULT_PORT: Record<RelayScheme, number> = { rtmp: 1935, rtmps: 443, rtsp: 554, rtsps: 322, http: 80, https: 443, srt: 8890 };

/** A certificate's SHA-256 fingerprint as `?fingerprint=` gives it: 64 hex digits, optionally in colon-separated pairs. */
const FINGERPRINT = /^(?:[0-9a-f]{64}|[0-9a-f]{2}(?::[0-9a-f]{2}){31})$/i;

/**
 * The SHA-256 certificate fingerprint an `rtsps://` source pins (`?fingerprint=`: a camera's
 * self-signed certificate), as 64 lowercase hex digits; undefined when the URL names none.
 */
export function relayFingerprint(url: Pick<RelayUrl, 'search'>): string | undefined {
  const raw = new URLSearchParams(url.search).get('fingerprint');
  return raw === null ? undefined : raw.replace(/:/g, '').toLowerCase();
}

/** Longest relay URL accepted (stream keys are long, but not this long). */
export const RELAY_URL_MAX_LENGTH = 2048;

/** A parsed relay URL. `username`/`password` are the decoded userinfo, if any. */
export interface RelayUrl {
  readonly scheme: RelayScheme;
  /** Host as written (brackets stripped from IPv6 literals). */
  readonly host: string;
  readonly port: number;
  /** Path after the host, starting with `/` (may be just `/`), percent-encoding kept. */
  readonly path: string;
  /** `?query` or ''. */
  readonly search: string;
  readonly username?: string;
  readonly password?: string;
}

/**
 * Parses and validates a relay URL: only rtmp/rtmps/rtsp/http/https (narrowed by `schemes`),
 * a host, a port in range, no fragment, bounded length. Throws ValidationError(field) with code
 * `invalid_relay_url`.
 */
export function parseRelayUrl(text: string, field = 'url', schemes: readonly RelayScheme[] = PULL_SCHEMES): RelayUrl {
  const bad = (message: string): ValidationError => new ValidationError(field, 'invalid_relay_url', message);
  if (typeof text !== 'string' || text.length === 0) throw bad('a URL is required');
  if (text.length > RELAY_URL_MAX_LENGTH) throw bad(`URL too long: ${text.length} > limit ${RELAY_URL_MAX_LENGTH}`);
  // Control characters and spaces never belong in a URL and would end up in protocol requests.
  if (/[\u0000-\u0020\u007f]/.test(text)) throw bad('URL contains spaces or control characters');
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new ValidationError(field, 'invalid_relay_url', 'not a URL', { cause: error });
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase() as RelayScheme;
  if (!schemes.includes(scheme)) throw bad(`scheme ${scheme}: expected one of ${schemes.join(', ')}`);
  if (url.hash !== '') throw bad('URL has a #fragment');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') throw bad('URL has no host');
  const port = url.port === '' ? DEFAULT_PORT[scheme] : Number(url.port);
  if (!(port > 0 && port < 65536)) throw bad(`port ${url.port} out of range`);
  if (scheme === 'rtsps') {
    // RTP next to the TLS connection would travel in clear; a pinned certificate is named exactly.
    if (url.searchParams.get('transport')?.toLowerCase() === 'udp') throw bad('rtsps carries RTP interleaved on the TLS connection: transport=udp is not possible');
    const fingerprint = url.searchParams.get('fingerprint');
    if (fingerprint !== null && !FINGERPRINT.test(fingerprint)) throw bad('fingerprint must be the certificate\'s SHA-256: 64 hex digits (pairs may be separated by colons)');
  }
  return {
    scheme,
    host,
    port,
    path: url.pathname === '' ? '/' : url.pathname,
    search: url.search,
    ...(url.username !== '' && { username: decodeURIComponent(url.username) }),
    ...(url.password !== '' && { password: decodeURIComponent(url.password) }),
  };
}

/**
 * The URL with anything secret replaced by `***`: the password of the userinfo, the query, and
 * for RTMP every path segment after the app (where the stream key sits). Safe to log and return.
 */
export function redactRelayUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return '***';
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  const userinfo = url.username === '' ? '' : `${url.username}${url.password === '' ? '' : ':***'}@`;
  let path = url.pathname;
  if (scheme === 'rtmp' || scheme === 'rtmps') {
    const segments = path.split('/');
    // ['', app, key...]: the app stays readable, the key does not.
    if (segments.length > 2) path = [...segments.slice(0, 2), '***'].join('/');
  }
  return `${scheme}://${userinfo}${url.host}${path}${url.search === '' ? '' : '?***'}`;
}

/** What a relay address is, as far as the private-address policy cares. */
export type AddressClass = 'public' | 'private' | 'loopback' | 'link-local' | 'unspecified' | 'invalid';

const RANGES: readonly [AddressClass, IpRange][] = (
  [
    ['link-local', '169.254.0.0/16'],
    ['link-local', 'fe80::/10'],
    ['loopback', '127.0.0.0/8'],
    ['loopback', '::1/128'],
    ['unspecified', '0.0.0.0/8'],
    ['unspecified', '::/128'],
    ['private', '10.0.0.0/8'],
    ['private', '172.16.0.0/12'],
    ['private', '192.168.0.0/16'],
    ['private', '100.64.0.0/10'], // carrier-grade NAT (RFC 6598), also AWS-internal services
    ['private', 'fc00::/7'], // unique local
    ['private', '198.18.0.0/15'], // benchmarking (RFC 2544), never a real target
  ] as const
).map(([c, r]) => [c, parseIpRange(r)!]);

/**
 * Classifies an IP address text (v4, v6 or v4-mapped v6). Link-local covers the instance
 * metadata endpoints (169.254.169.254, fd00:ec2::254 is unique-local → private).
 */
export function classifyAddress(ip: string): AddressClass {
  if (parseIp(ip) === undefined) return 'invalid';
  for (const [cls, range] of RANGES) if (ipInRange(ip, range)) return cls;
  return 'public';
}

/**
 * Whether a relay may connect to `ip`: link-local and unspecified never; private and loopback
 * only when `allowPrivate`. Returns the refusal reason, or undefined when allowed.
 */
export function relayAddressRefusal(ip: string, allowPrivate: boolean): string | undefined {
  const cls = classifyAddress(ip);
  if (cls === 'public') return undefined;
  if ((cls === 'private' || cls === 'loopback') && allowPrivate) return undefined;
  return `${cls} address ${ip} refused${cls === 'private' || cls === 'loopback' ? ' (private relay addresses are not allowed here)' : ''}`;
}
