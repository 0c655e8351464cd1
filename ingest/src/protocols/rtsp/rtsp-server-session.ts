import { ProtocolError } from '../protocol-error.js';
import { parseSdp, type SessionDescription } from '../sdp/sdp.js';
import { readSdpTrack, type SdpTrack } from '../sdp/sdp-tracks.js';
import { RtspDecoder, type RtspDecoderOptions } from './rtsp-decoder.js';
import { UNBOUNDED_PENDING_BYTES, type PendingBytesAccount } from '../pending-bytes-budget.js';
import { encodeRtspResponse, getCSeq, getHeader, type RtspRequest } from './rtsp-message.js';
import { RtspRequestError, rtspReason } from './rtsp-request-error.js';
import { formatSessionHeader, parseSessionHeader } from './rtsp-session-header.js';
import { formatTransport, parseTransport, type RtspTransport } from './rtsp-transport.js';

/**
 * Where a server session stands (gortsplib's ServerSessionState): `initial` until the first SETUP
 * (publish: until ANNOUNCE), then `pre-play`/`play` for a player and `pre-record`/`record` for a
 * publisher. PAUSE goes back from `play` and `record` to the `pre-` state.
 */
export type RtspSessionState = 'initial' | 'pre-play' | 'play' | 'pre-record' | 'record';

/** Methods whose validity depends on the state (the others are valid in every state). */
type StatefulMethod = 'ANNOUNCE' | 'DESCRIBE' | 'SETUP' | 'RECORD' | 'PLAY' | 'PAUSE';

/** In which states each method is valid; anything else is 455 Method Not Valid in This State (RFC 2326 §11.3.6). */
export const RTSP_VALID_STATES: Readonly<Record<StatefulMethod, readonly RtspSessionState[]>> = {
  ANNOUNCE: ['initial'],
  DESCRIBE: ['initial', 'pre-play', 'play'],
  SETUP: ['initial', 'pre-play', 'pre-record'],
  RECORD: ['pre-record', 'record'],
  PLAY: ['pre-play', 'play'],
  PAUSE: ['pre-play', 'play', 'pre-record', 'record'],
};

/** The methods OPTIONS lists. */
export const RTSP_METHODS = 'OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, PAUSE, RECORD, TEARDOWN, GET_PARAMETER, SET_PARAMETER';

/** Requests a client may pipeline behind one the server is still deciding on. */
const MAX_QUEUED_REQUESTS = 16;

/** What the session asks its server to decide on, or hands it. */
export type RtspSessionEvent =
  /** Answer with acceptAnnounce or reject. `tracks` are every media section of the SDP, all supported. */
  | { readonly type: 'announce'; readonly request: RtspRequest; readonly sdp: SessionDescription; readonly tracks: readonly SdpTrack[] }
  /** Answer with acceptDescribe or reject. */
  | { readonly type: 'describe'; readonly request: RtspRequest }
  /**
   * Answer with acceptSetup or reject. `track` is the announced (record) or described (play) track
   * index the URI names, not set up yet; for TCP `interleaved` is the free channel pair to use.
   */
  | {
      readonly type: 'setup';
      readonly request: RtspRequest;
      readonly mode: 'record' | 'play';
      readonly track: number;
      readonly transport: RtspTransport;
      readonly interleaved?: readonly [number, number];
    }
  /** Answered already (200); media of the set-up tracks flows as `rtp`/`rtcp` events from now on. */
  | { readonly type: 'record'; readonly request: RtspRequest }
  /** Answer with acceptPlay or reject. */
  | { readonly type: 'play'; readonly request: RtspRequest }
  /** Answered already (200): stop sending (`from` play) or stop taking media (`from` record). */
  | { readonly type: 'pause'; readonly request: RtspRequest; readonly from: RtspSessionState }
  /** Answered already (200): the client ends the session. */
  | { readonly type: 'teardown'; readonly request: RtspRequest }
  /** An interleaved RTP or RTCP packet of publish track `track` (record state only). */
  | { readonly type: 'rtp' | 'rtcp'; readonly track: number; readonly payload: Uint8Array }
  /** An interleaved packet on a player's channel (receiver reports). */
  | { readonly type: 'player-rtcp'; readonly payload: Uint8Array }
  /** A request was answered with an error status (by the session or through reject). */
  | { readonly type: 'refused'; readonly request: RtspRequest; readonly error: RtspRequestError };

/** How the session talks to its owner (the socket server). */
export interface RtspServerSessionOptions {
  /** Bytes to write to the peer. */
  send(data: Uint8Array): void;
  /** Requests to decide on, and media. Called synchronously from `feed` and from the answers. */
  onEvent(event: RtspSessionEvent): void;
  /** Announced in `Session: id;timeout=` (seconds). */
  readonly sessionTimeoutSeconds: number;
  /** A new session id (hex), called at the first accepted SETUP. */
  newSessionId(): string;
  /** Decoder bounds (defaults from LIMITS). */
  readonly decoder?: RtspDecoderOptions;
  /** The connection's pending-bytes account: partial messages and requests queued behind an answer count there. */
  readonly pending?: PendingBytesAccount;
  /**
   * RTP only interleaved on the RTSP connection (RTSPS: RTP over plain UDP would leave the media
   * unencrypted beside the TLS connection); a SETUP offering only UDP gets 461.
   */
  readonly interleavedOnly?: boolean;
}

interface Channel {
  readonly track: number;
  readonly rtcp: boolean;
}

/**
 * The server side of one RTSP connection (RFC 2326), sans-I/O: `feed` it the socket's bytes. It
 * answers OPTIONS, keep-alives and TEARDOWN itself, checks CSeq, the Session id (454) and, in one
 * place, whether the method is valid in the current state (455); ANNOUNCE, DESCRIBE, SETUP and
 * PLAY come out as events the server decides on with `accept…`/`reject` (possibly later, after
 * an auth round trip). Requests are answered in order: while one waits for its answer, later
 * ones queue. Interleaved media of set-up tracks comes out as `rtp`/`rtcp` events. Bad bytes
 * throw ProtocolError from `feed` (the server answers with `refuseBytes` and closes).
 */
export class RtspServerSession {
  private readonly decoder: RtspDecoder;
  private readonly pendingBytes: PendingBytesAccount;
  private currentState: RtspSessionState = 'initial';
  private id: string | undefined;
  private readonly queue: RtspRequest[] = [];
  private pending: RtspRequest | undefined;
  private draining = false;
  private closed = false;
  /** Announced tracks (record) with their controls. */
  private announced: readonly SdpTrack[] | undefined;
  /** Tracks of the ANNOUNCE waiting for the server's answer. */
  private offered: readonly SdpTrack[] | undefined;
  /** Described track indexes (play). */
  private described: readonly number[] | undefined;
  private readonly setUp = new Set<number>();
  private readonly channels = new Map<number, Channel>();

  constructor(private readonly opts: RtspServerSessionOptions) {
    this.pendingBytes = opts.pending ?? UNBOUNDED_PENDING_BYTES;
    this.decoder = new RtspDecoder({ ...opts.decoder, pending: this.pendingBytes });
  }

  get state(): RtspSessionState {
    return this.currentState;
  }

  /** The session id, once a SETUP was accepted. */
  get sessionId(): string | undefined {
    return this.id;
  }

  /** Track indexes set up so far. */
  get setUpTracks(): ReadonlySet<number> {
    return this.setUp;
  }

  /** True while a request waits for the server's answer. */
  get waiting(): boolean {
    return this.pending !== undefined;
  }

  /** Bytes from the peer, any split. Returns whether a unit completed (a request, a frame). Throws ProtocolError. */
  feed(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    const units = this.decoder.push(bytes);
    for (const unit of units) {
      if (this.closed) break;
      if (unit.type === 'interleaved') this.onInterleaved(unit.channel, unit.payload);
      else if (unit.type === 'request') {
        if (this.queue.length >= MAX_QUEUED_REQUESTS) {
          throw new ProtocolError('RTSP_TOO_MANY_PIPELINED', `more than ${MAX_QUEUED_REQUESTS} requests waiting for an answer`);
        }
        this.pendingBytes.hold(requestBytes(unit));
        this.queue.push(unit);
        this.drain();
      }
      // responses (to requests we never send) are ignored
    }
    return units.length > 0;
  }

  /** ANNOUNCE accepted: the announced tracks may now be set up (state `pre-record`). */
  acceptAnnounce(): void {
    const req = this.take('announce');
    if (req === undefined) return;
    this.announced = this.offered;
    this.currentState = 'pre-record';
    this.finish(req, 200);
  }

  /** DESCRIBE accepted with its SDP; `tracks` are the `trackID=N` indexes a SETUP may name. */
  acceptDescribe(tracks: readonly number[], headers: readonly [string, string][], body: Uint8Array): void {
    const req = this.take('describe');
    if (req === undefined) return;
    this.described = tracks;
    this.finish(req, 200, headers, body);
  }

  /** SETUP accepted with `answer` as the Transport (its interleaved channels are now the track's). */
  acceptSetup(track: number, answer: RtspTransport): void {
    const req = this.take('setup');
    if (req === undefined) return;
    const record = this.announced !== undefined;
    if (answer.protocol === 'tcp' && answer.interleaved) {
      this.channels.set(answer.interleaved[0], { track, rtcp: false });
      this.channels.set(answer.interleaved[1], { track, rtcp: true });
    }
    this.setUp.add(track);
    this.id ??= this.opts.newSessionId();
    if (this.currentState === 'initial') this.currentState = record ? 'pre-record' : 'pre-play';
    this.finish(req, 200, [['Transport', formatTransport(answer)]]);
  }

  /** PLAY accepted (state `play`), with its Range and RTP-Info headers. */
  acceptPlay(headers: readonly [string, string][]): void {
    const req = this.take('play');
    if (req === undefined) return;
    this.currentState = 'play';
    this.finish(req, 200, headers);
  }

  /** Answers the waiting request with the error's status (and headers). */
  reject(error: RtspRequestError): void {
    const req = this.pending;
    if (req === undefined) return;
    this.pending = undefined;
    this.refuse(req, error);
    this.drain();
  }

  /** An error answer outside any parsed request (the decoder refused the bytes). */
  refuseBytes(status: number, code: string): void {
    this.opts.send(encodeRtspResponse({ status, reason: rtspReason(status), headers: [['Server', 'streamgate'], ['X-Error-Code', code]], body: new Uint8Array(0) }));
  }

  /** No more answers or events (the connection is closing). */
  close(): void {
    this.closed = true;
    for (const req of this.queue) this.pendingBytes.release(requestBytes(req));
    this.queue.length = 0;
    this.pending = undefined;
  }

  private take(type: string): RtspRequest | undefined {
    const req = this.pending;
    if (req === undefined || this.closed) return undefined;
    if (req.method.toLowerCase() !== type) throw new Error(`accept ${type} while ${req.method} is waiting`);
    this.pending = undefined;
    return req;
  }

  /** Answers a request the server decided on, then goes on with the queue. */
  private finish(req: RtspRequest, status: number, headers: readonly [string, string][] = [], body?: Uint8Array): void {
    this.answer(req, status, headers, body);
    this.drain();
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (!this.closed && this.pending === undefined && this.queue.length > 0) {
        const req = this.queue.shift()!;
        this.pendingBytes.release(requestBytes(req));
        try {
          this.handle(req);
        } catch (err) {
          if (err instanceof RtspRequestError) this.refuse(req, err);
          else if (err instanceof ProtocolError) this.refuse(req, new RtspRequestError(400, err.code, err.message, { cause: err }));
          else throw err;
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private handle(req: RtspRequest): void {
    if (getCSeq(req) === undefined) throw new RtspRequestError(400, 'RTSP_NO_CSEQ', 'request without a CSeq');
    const session = getHeader(req, 'Session');
    if (session !== undefined && this.id !== undefined && parseSessionHeader(session).id !== this.id) {
      throw new RtspRequestError(454, 'RTSP_SESSION_NOT_FOUND', `unknown session ${session.slice(0, 32)}`);
    }
    switch (req.method) {
      case 'OPTIONS':
        return this.answer(req, 200, [['Public', RTSP_METHODS]]);
      case 'GET_PARAMETER':
      case 'SET_PARAMETER':
        // keep-alives (the server's session timeout was pushed back by the bytes themselves)
        return this.answer(req, 200);
      case 'TEARDOWN':
        this.answer(req, 200);
        return this.opts.onEvent({ type: 'teardown', request: req });
      case 'ANNOUNCE':
      case 'DESCRIBE':
      case 'SETUP':
      case 'RECORD':
      case 'PLAY':
      case 'PAUSE':
        this.checkState(req.method);
        return this[req.method](req);
      default:
        throw new RtspRequestError(501, 'RTSP_METHOD_NOT_IMPLEMENTED', `method ${req.method.slice(0, 32)} is not implemented`);
    }
  }

  /** The one state check: 455 for a method the current state does not allow. */
  private checkState(method: StatefulMethod): void {
    const s = this.currentState;
    let why: string | undefined;
    if (!RTSP_VALID_STATES[method].includes(s)) why = `${method} in state ${s}`;
    else if (method === 'SETUP' && s === 'initial' && this.described === undefined) why = 'SETUP before ANNOUNCE (publish) or DESCRIBE (play)';
    else if ((method === 'RECORD' || method === 'PLAY') && this.setUp.size === 0) why = `${method} before SETUP`;
    if (why !== undefined) throw new RtspRequestError(455, 'RTSP_METHOD_NOT_VALID_IN_STATE', why);
  }

  private ANNOUNCE(req: RtspRequest): void {
    const type = getHeader(req, 'Content-Type');
    if (type !== undefined && !/^application\/sdp\b/i.test(type)) throw new RtspRequestError(415, 'RTSP_NOT_SDP', `ANNOUNCE body of type ${type.slice(0, 32)}`);
    const sdp = parseSdp(Buffer.from(req.body).toString('utf8'));
    if (sdp.media.length === 0) throw new RtspRequestError(415, 'RTSP_NO_SUPPORTED_TRACK', 'the SDP has no media section', { explain: true });
    const tracks: SdpTrack[] = [];
    for (const [i, media] of sdp.media.entries()) {
      const t = readSdpTrack(media);
      if (typeof t === 'string') throw new RtspRequestError(415, 'RTSP_UNSUPPORTED_TRACK', `track ${i} (${media.type}): ${t}`, { explain: true });
      tracks.push(t);
    }
    this.offered = tracks;
    this.ask({ type: 'announce', request: req, sdp, tracks });
  }

  private DESCRIBE(req: RtspRequest): void {
    this.ask({ type: 'describe', request: req });
  }

  private SETUP(req: RtspRequest): void {
    const transports = parseTransport(getHeader(req, 'Transport') ?? '');
    const transport = transports.find((t) => t.delivery === 'unicast' && (t.protocol === 'tcp' || this.opts.interleavedOnly !== true));
    if (!transport) {
      if (this.opts.interleavedOnly === true) throw new RtspRequestError(461, 'RTSP_TLS_NEEDS_INTERLEAVED', 'RTSPS carries RTP interleaved on the TLS connection only (RTP/AVP/TCP); plain UDP would leave the media unencrypted');
      throw new RtspRequestError(461, 'RTSP_UNSUPPORTED_TRANSPORT', 'only unicast RTP over UDP or TCP');
    }
    const record = this.announced !== undefined;
    const track = record ? this.announcedTrack(req.uri) : this.describedTrack(req.uri);
    if (track === undefined) throw new RtspRequestError(404, 'RTSP_UNKNOWN_TRACK', `no ${record ? 'announced' : 'described'} track at ${redactUri(req.uri).slice(0, 128)}`);
    if (this.setUp.has(track)) throw new RtspRequestError(455, 'RTSP_METHOD_NOT_VALID_IN_STATE', `track ${track} is already set up`);
    let interleaved: [number, number] | undefined;
    if (transport.protocol === 'tcp') {
      interleaved = transport.interleaved ? [transport.interleaved[0], transport.interleaved[1]] : [track * 2, track * 2 + 1];
      if (this.channels.has(interleaved[0]) || this.channels.has(interleaved[1])) {
        throw new RtspRequestError(461, 'RTSP_CHANNEL_IN_USE', `interleaved channels ${interleaved[0]}-${interleaved[1]} are taken`);
      }
    } else if (!record && !transport.clientPort) {
      throw new RtspRequestError(461, 'RTSP_NO_CLIENT_PORT', 'UDP transport without client_port');
    }
    this.ask({ type: 'setup', request: req, mode: record ? 'record' : 'play', track, transport, ...(interleaved ? { interleaved } : {}) });
  }

  private RECORD(req: RtspRequest): void {
    const from = this.currentState;
    this.currentState = 'record';
    this.answer(req, 200);
    if (from !== 'record') this.opts.onEvent({ type: 'record', request: req });
  }

  private PLAY(req: RtspRequest): void {
    this.ask({ type: 'play', request: req });
  }

  private PAUSE(req: RtspRequest): void {
    const from = this.currentState;
    if (from === 'play') this.currentState = 'pre-play';
    else if (from === 'record') this.currentState = 'pre-record';
    this.answer(req, 200);
    this.opts.onEvent({ type: 'pause', request: req, from });
  }

  private ask(event: RtspSessionEvent & { request: RtspRequest }): void {
    this.pending = event.request;
    this.opts.onEvent(event);
  }

  private onInterleaved(channel: number, payload: Uint8Array): void {
    const c = this.channels.get(channel);
    if (c === undefined) throw new ProtocolError('RTSP_UNKNOWN_CHANNEL', `interleaved frame on channel ${channel}, which no SETUP assigned`);
    if (this.announced === undefined) return this.opts.onEvent({ type: 'player-rtcp', payload });
    // before RECORD (or after PAUSE) there is nothing to publish yet
    if (this.currentState === 'record') this.opts.onEvent({ type: c.rtcp ? 'rtcp' : 'rtp', track: c.track, payload });
  }

  /** The announced track a SETUP URI names with its `control` (relative or absolute). */
  private announcedTrack(uri: string): number | undefined {
    const tracks = this.announced!;
    const index = tracks.findIndex((t) => controlMatches(uri, t.control, tracks.length));
    return index < 0 ? undefined : index;
  }

  /** The described track a SETUP URI names (`…/trackID=N`; the only one when there is one). */
  private describedTrack(uri: string): number | undefined {
    const tracks = this.described ?? [];
    const m = /\/trackID=(\d{1,3})\/?$/.exec(stripQuery(uri));
    if (m) return tracks.includes(Number(m[1])) ? Number(m[1]) : undefined;
    return tracks.length === 1 ? tracks[0] : undefined;
  }

  private refuse(req: RtspRequest, error: RtspRequestError): void {
    const reason = error.explain ? `${rtspReason(error.status)} (${error.message.replace(/[\r\n]+/g, ' ').slice(0, 200)})` : rtspReason(error.status);
    this.answer(req, error.status, error.headers, new Uint8Array(0), reason);
    this.opts.onEvent({ type: 'refused', request: req, error });
  }

  private answer(req: RtspRequest, status: number, headers: readonly [string, string][] = [], body: Uint8Array = new Uint8Array(0), reason = rtspReason(status)): void {
    if (this.closed) return;
    const h: [string, string][] = [['CSeq', String(getCSeq(req) ?? 0)], ['Server', 'streamgate']];
    if (this.id !== undefined) h.push(['Session', formatSessionHeader({ id: this.id, timeout: this.opts.sessionTimeoutSeconds })]);
    this.opts.send(encodeRtspResponse({ status, reason, headers: [...h, ...headers], body }));
  }
}

/** The URI without its `?query`. */
export function stripQuery(uri: string): string {
  const q = uri.indexOf('?');
  return q < 0 ? uri : uri.slice(0, q);
}

/** The URI with any user:password@ removed (for logs and answers). */
export function redactUri(uri: string): string {
  return uri.replace(/^(rtsps?:\/\/)[^@/]*@/i, '$1');
}

/** Whether a SETUP URI names the announced track with `control` (relative or absolute). */
function controlMatches(uri: string, control: string | undefined, trackCount: number): boolean {
  const u = stripQuery(uri).replace(/\/$/, '');
  if (control === undefined || control === '*') return trackCount === 1;
  if (/^rtsps?:\/\//i.test(control)) return stripQuery(control).replace(/\/$/, '') === u;
  return u.endsWith(`/${control}`);
}

/** About what a queued request keeps: its URI, header text and body. */
function requestBytes(req: RtspRequest): number {
  let n = req.method.length + req.uri.length + req.body.length;
  for (const [name, value] of req.headers) n += name.length + value.length + 4;
  return n;
}
