import { randomBytes } from 'node:crypto';
import { ProtocolError } from '../protocol-error.js';
import { parseSdp } from '../sdp/sdp.js';
import { trackFromSdpMedia, type SdpTrack } from '../sdp/sdp-tracks.js';
import { formatDigestAuthorization } from './rtsp-auth.js';
import { RtspDecoder } from './rtsp-decoder.js';
import { encodeRtspRequest, getCSeq, getHeader, type RtspResponse } from './rtsp-message.js';
import { parseSessionHeader } from './rtsp-session-header.js';
import { formatTransport, parseTransport } from './rtsp-transport.js';

/** How RTP travels: interleaved on the RTSP connection, or UDP to client ports. */
export type RtspClientTransport = 'tcp' | 'udp';

/** Options of an RTSP client (play) session. */
export interface RtspClientSessionOptions {
  /** The presentation URL without userinfo (`rtsp://host:port/path?query`). */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly transport: RtspClientTransport;
  /** UDP: the client RTP/RTCP port pair of track `index` (the I/O side binds them). */
  readonly udpPorts?: (index: number) => readonly [number, number];
  send(data: Uint8Array): void;
  onEvent(event: RtspClientEvent): void;
}

/** What an RTSP client session reports. */
export type RtspClientEvent =
  /** PLAY answered 200: packets follow. `tracks` are the tracks set up, in SDP order. */
  | { type: 'playing'; tracks: readonly SdpTrack[]; serverPorts: readonly (readonly [number, number] | undefined)[]; sessionTimeoutS: number }
  | { type: 'rtp'; track: number; payload: Uint8Array }
  | { type: 'rtcp'; track: number; payload: Uint8Array }
  /** The server refused a request (status ≥ 300, or 401 after our credentials): the session is over. */
  | { type: 'rejected'; method: string; status: number; reason: string };

const USER_AGENT = 'streamgate-relay';

interface Challenge {
  readonly scheme: 'basic' | 'digest';
  readonly realm: string;
  readonly nonce?: string;
  readonly opaque?: string;
  readonly qop?: string;
}

/** Parses one WWW-Authenticate value (Basic or Digest with MD5); undefined for other schemes. */
function parseChallenge(value: string): Challenge | undefined {
  const m = /^\s*(basic|digest)\s+(.*)$/i.exec(value);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(/([a-zA-Z]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g)) params[p[1].toLowerCase()] = p[2] ?? p[3] ?? '';
  if (m[1].toLowerCase() === 'basic') return { scheme: 'basic', realm: params.realm ?? '' };
  if (params.algorithm !== undefined && params.algorithm.toUpperCase() !== 'MD5') return undefined;
  const qop = params.qop?.split(',').map((s) => s.trim()).includes('auth') ? 'auth' : undefined;
  return { scheme: 'digest', realm: params.realm ?? '', nonce: params.nonce ?? '', opaque: params.opaque, ...(qop && { qop }) };
}

/** Resolves a track's `a=control` against the content base (RFC 2326 §C.1.1). */
function controlUrl(base: string, control: string | undefined): string {
  if (control === undefined || control === '*') return base;
  if (/^rtsps?:\/\//i.test(control)) return control;
  return `${base.endsWith('/') ? base : `${base}/`}${control}`;
}

/**
 * The client side of an RTSP play session (RFC 2326), sans-I/O: OPTIONS, DESCRIBE (answering a
 * 401 once with Basic or Digest credentials from the URL), SETUP of every track we can carry
 * (TCP interleaved channels 2i/2i+1, or UDP client ports), PLAY. Interleaved RTP/RTCP come out as
 * events; `keepAlive()` gives the request that keeps the session open. Bad input throws
 * ProtocolError; a refusal is a `rejected` event.
 */
export class RtspClientSession {
  private readonly decoder = new RtspDecoder();
  private cseq = 0;
  private readonly pending = new Map<number, { method: string; uri: string; retried: boolean }>();
  private challenge: Challenge | undefined;
  private nc = 0;
  private readonly cnonce = randomBytes(8).toString('hex');
  private session: string | undefined;
  private sessionTimeoutS = 60;
  private contentBase: string;
  private tracks: SdpTrack[] = [];
  private readonly serverPorts: ((readonly [number, number]) | undefined)[] = [];
  private setupIndex = 0;
  private phase: 'idle' | 'options' | 'describe' | 'setup' | 'play' | 'playing' | 'closed' = 'idle';

  constructor(private readonly opts: RtspClientSessionOptions) {
    this.contentBase = opts.url;
  }

  get state(): string {
    return this.phase;
  }

  /** Sends OPTIONS. */
  start(): void {
    if (this.phase !== 'idle') return;
    this.phase = 'options';
    this.request('OPTIONS', this.opts.url);
  }

  /** Bytes from the server, any split. */
  feed(bytes: Uint8Array): void {
    if (this.phase === 'closed') return;
    for (const unit of this.decoder.push(bytes)) {
      if ((this.phase as string) === 'closed') return;
      if (unit.type === 'interleaved') {
        const track = unit.channel >> 1;
        if (track >= this.tracks.length) continue;
        this.opts.onEvent({ type: unit.channel & 1 ? 'rtcp' : 'rtp', track, payload: unit.payload });
      } else if (unit.type === 'response') {
        this.onResponse(unit);
      }
      // Requests from the server (ANNOUNCE, GET_PARAMETER, SET_PARAMETER) need no answer from a player.
    }
  }

  /** A request that keeps the session alive (sent every half session timeout by the I/O side). */
  keepAlive(): void {
    if (this.phase !== 'playing') return;
    this.request('GET_PARAMETER', this.contentBase);
  }

  /** TEARDOWN (polite end); the session is closed after. */
  teardown(): void {
    if (this.phase === 'playing' || this.phase === 'play' || this.phase === 'setup') this.request('TEARDOWN', this.contentBase);
    this.phase = 'closed';
  }

  close(): void {
    this.phase = 'closed';
  }

  private request(method: string, uri: string, extra: [string, string][] = [], retried = false): void {
    const cseq = ++this.cseq;
    const headers: [string, string][] = [['CSeq', String(cseq)], ['User-Agent', USER_AGENT], ...extra];
    if (this.session !== undefined && method !== 'OPTIONS' && method !== 'DESCRIBE') headers.push(['Session', this.session]);
    const auth = this.authorization(method, uri);
    if (auth !== undefined) headers.push(['Authorization', auth]);
    this.pending.set(cseq, { method, uri, retried });
    this.opts.send(encodeRtspRequest({ method, uri, headers, body: new Uint8Array(0) }));
  }

  private authorization(method: string, uri: string): string | undefined {
    const c = this.challenge;
    if (c === undefined || this.opts.username === undefined) return undefined;
    const password = this.opts.password ?? '';
    if (c.scheme === 'basic') return `Basic ${Buffer.from(`${this.opts.username}:${password}`).toString('base64')}`;
    const nc = (++this.nc).toString(16).padStart(8, '0');
    return formatDigestAuthorization({
      username: this.opts.username,
      password,
      realm: c.realm,
      nonce: c.nonce ?? '',
      method,
      uri,
      ...(c.opaque !== undefined && { opaque: c.opaque }),
      ...(c.qop !== undefined && { qop: c.qop, nc, cnonce: this.cnonce }),
    });
  }

  private onResponse(res: RtspResponse): void {
    const cseq = getCSeq(res);
    const req = cseq === undefined ? undefined : this.pending.get(cseq);
    if (req === undefined) return;
    this.pending.delete(cseq!);
    if (res.status === 401 && !req.retried && this.opts.username !== undefined) {
      const challenges = res.headers.filter(([k]) => k.toLowerCase() === 'www-authenticate').map(([, v]) => parseChallenge(v));
      const chosen = challenges.find((c) => c?.scheme === 'digest') ?? challenges.find((c) => c?.scheme === 'basic');
      if (chosen !== undefined) {
        this.challenge = chosen;
        this.request(req.method, req.uri, this.extraFor(req.method), true);
        return;
      }
    }
    if (req.method === 'GET_PARAMETER' || req.method === 'TEARDOWN') return; // keep-alive answers (some servers say 405)
    if (res.status >= 300) {
      // OPTIONS is a courtesy: a camera that refuses it may still DESCRIBE.
      if (req.method === 'OPTIONS' && res.status !== 401) return this.describe();
      this.phase = 'closed';
      this.opts.onEvent({ type: 'rejected', method: req.method, status: res.status, reason: res.reason });
      return;
    }
    switch (req.method) {
      case 'OPTIONS':
        return this.describe();
      case 'DESCRIBE':
        return this.onDescribe(res);
      case 'SETUP':
        return this.onSetup(res);
      case 'PLAY':
        this.phase = 'playing';
        this.opts.onEvent({ type: 'playing', tracks: this.tracks, serverPorts: this.serverPorts, sessionTimeoutS: this.sessionTimeoutS });
        return;
    }
  }

  private describe(): void {
    this.phase = 'describe';
    this.request('DESCRIBE', this.opts.url, this.extraFor('DESCRIBE'));
  }

  private extraFor(method: string): [string, string][] {
    if (method === 'DESCRIBE') return [['Accept', 'application/sdp']];
    if (method === 'SETUP') return [['Transport', this.transportFor(this.setupIndex)]];
    if (method === 'PLAY') return [['Range', 'npt=0.000-']];
    return [];
  }

  private onDescribe(res: RtspResponse): void {
    const base = getHeader(res, 'Content-Base') ?? getHeader(res, 'Content-Location');
    if (base !== undefined && /^rtsps?:\/\//i.test(base.trim())) this.contentBase = base.trim();
    const sdp = parseSdp(new TextDecoder().decode(res.body));
    this.tracks = sdp.media.flatMap((m) => trackFromSdpMedia(m) ?? []);
    if (this.tracks.length === 0) throw new ProtocolError('RTSP_NO_TRACKS', 'the source describes no H.264, H.265, AAC or Opus track');
    this.phase = 'setup';
    this.setupIndex = 0;
    this.setup();
  }

  private transportFor(index: number): string {
    if (this.opts.transport === 'tcp') {
      return formatTransport({ protocol: 'tcp', delivery: 'unicast', interleaved: [2 * index, 2 * index + 1] });
    }
    const ports = this.opts.udpPorts?.(index);
    if (ports === undefined) throw new ProtocolError('RTSP_NO_UDP_PORTS', 'UDP transport without client ports');
    return formatTransport({ protocol: 'udp', delivery: 'unicast', clientPort: ports });
  }

  private setup(): void {
    const track = this.tracks[this.setupIndex]!;
    this.request('SETUP', controlUrl(this.contentBase, track.control), this.extraFor('SETUP'));
  }

  private onSetup(res: RtspResponse): void {
    const session = getHeader(res, 'Session');
    if (session !== undefined) {
      const parsed = parseSessionHeader(session);
      this.session = parsed.id;
      if (parsed.timeout !== undefined && parsed.timeout > 0) this.sessionTimeoutS = parsed.timeout;
    }
    const transport = getHeader(res, 'Transport');
    const spec = transport === undefined ? undefined : parseTransport(transport)[0];
    this.serverPorts[this.setupIndex] = spec?.serverPort;
    this.setupIndex++;
    if (this.setupIndex < this.tracks.length) return this.setup();
    this.phase = 'play';
    this.request('PLAY', this.contentBase, this.extraFor('PLAY'));
  }
}
