import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { AuthDecision, Authorizer, AuthorizeRequest, Credentials } from '../../auth/authorizer.js';
import { Hub } from '../../hub/hub.js';
import type { Subscription } from '../../hub/subscription.js';
import type { Logger } from '../../logger.js';
import type { AudioConfig, MediaFrame, VideoConfig } from '../../media/media-frame.js';
import { ProtocolError } from '../../protocols/protocol-error.js';
import { digestUriMatches, DigestNonceCounts, formatWwwAuthenticate, parseAuthorization, verifyDigest } from '../../protocols/rtsp/rtsp-auth.js';
import { RtspDecoder } from '../../protocols/rtsp/rtsp-decoder.js';
import { encodeRtspResponse, getCSeq, getHeader, type RtspRequest, type RtspUnit } from '../../protocols/rtsp/rtsp-message.js';
import { formatNptRange, formatRtpInfo, formatSessionHeader, parseSessionHeader } from '../../protocols/rtsp/rtsp-session-header.js';
import { formatTransport, parseTransport, type RtspTransport } from '../../protocols/rtsp/rtsp-transport.js';
import { formatSdp, parseSdp } from '../../protocols/sdp/sdp.js';
import { sdpFromTracks, trackFromSdpMedia, type SdpTrack } from '../../protocols/sdp/sdp-tracks.js';
import type { ConnectionEntry } from '../connection-registry.js';
import type { IngestContext } from '../ingest-context.js';
import type { RtpUdpPair, RtpUdpPorts } from './rtp-udp-ports.js';
import type { RtspNonces } from './rtsp-nonces.js';
import { outgoingTracks, RtspPlayer, type OutgoingTrackSpec } from './rtsp-player.js';
import { RtspPublisher } from './rtsp-publisher.js';
import { invalidNameReason, splitQuery } from '../stream-name.js';

/** Settings of an RTSP connection. */
export interface RtspConnectionOptions {
  /** A session without any request or media for this long is closed; announced in `Session: id;timeout=`. */
  readonly sessionTimeoutMs: number;
  /** A request whose head or body does not complete within this is refused (slow or lying Content-Length). */
  readonly requestTimeoutMs: number;
  /** How long PLAY waits for the first frame (to fill RTP-Info rtptime) before answering without it. */
  readonly playAnswerWaitMs: number;
}

/** Default session timeout (RFC 2326 §12.37 default). */
export const RTSP_SESSION_TIMEOUT_MS = 60_000;

/** What an RTSP connection needs besides the ingest context. */
export interface RtspConnectionDeps {
  readonly ctx: IngestContext;
  readonly udpPorts: RtpUdpPorts;
  readonly nonces: RtspNonces;
}

/** A refused request: RTSP status, reason phrase and a stable code for logs and tests. */
export class RtspRequestError extends Error {
  override readonly name = 'RtspRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const REALM = 'streamgate';
const METHODS = 'OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, PAUSE, RECORD, TEARDOWN, GET_PARAMETER, SET_PARAMETER';
const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  453: 'Not Enough Bandwidth',
  454: 'Session Not Found',
  455: 'Method Not Valid in This State',
  459: 'Aggregate Operation Not Allowed',
  461: 'Unsupported Transport',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

interface PublishState {
  readonly app: string;
  readonly stream: string;
  readonly path: string;
  readonly tracks: readonly SdpTrack[];
  readonly publisher: RtspPublisher;
  readonly decision: AuthDecision | undefined;
  readonly request: AuthorizeRequest | undefined;
  /** Track index per interleaved channel; RTCP channels are `-index - 1`. */
  readonly channels: Map<number, number>;
  readonly setUp: Set<number>;
  recording: boolean;
}

interface PlayState {
  readonly app: string;
  readonly stream: string;
  readonly path: string;
  readonly tracks: readonly OutgoingTrackSpec[];
  readonly player: RtspPlayer;
  readonly setUp: Set<number>;
  /** RTCP channels (receiver reports) and RTP channels players might echo: accepted. */
  readonly channels: Set<number>;
  sub?: Subscription;
  playing: boolean;
}

/**
 * One RTSP TCP connection (RFC 2326): requests and interleaved RTP/RTCP through the sans-I/O
 * RtspDecoder; publish (ANNOUNCE, SETUP, RECORD) into the hub and play (DESCRIBE, SETUP, PLAY,
 * PAUSE) from it, RTP over TCP or UDP; Basic and Digest auth through the ingest's authorizer.
 * Bad input gets a coded error, an RTSP status where one fits, and closes only this connection.
 */
export class RtspConnection {
  readonly id: string;
  private readonly log: Logger;
  private readonly decoder = new RtspDecoder();
  private readonly entry: ConnectionEntry;
  private readonly startedAt = Date.now();
  private bytesIn = 0;
  private bytesOut = 0;
  private closed = false;
  private closeReason: string | undefined;
  private sessionId: string | undefined;
  private publish: PublishState | undefined;
  private play: PlayState | undefined;
  /** A stream DESCRIBE answered for (PLAY-side SETUPs refer to it). */
  private described: { app: string; stream: string; path: string; tracks: OutgoingTrackSpec[]; decision?: AuthDecision; request?: AuthorizeRequest } | undefined;
  private readonly udpPairs: RtpUdpPair[] = [];
  private lastActivity = Date.now();
  private readonly activityTimer: NodeJS.Timeout;
  private requestTimer: NodeJS.Timeout | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private badUdpPackets = 0;
  private pending: Promise<void> = Promise.resolve();
  private readonly remote: string;
  private readonly nonceCounts = new DigestNonceCounts();

  constructor(
    private readonly socket: Socket,
    private readonly options: RtspConnectionOptions,
    private readonly deps: RtspConnectionDeps,
  ) {
    const { ctx } = deps;
    this.id = ctx.registry.nextId();
    this.remote = (socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
    this.log = ctx.log.child({ conn: this.id, protocol: 'rtsp', remote: this.remote });
    this.entry = {
      id: this.id,
      protocol: 'rtsp',
      remoteAddress: this.remote,
      since: this.startedAt,
      bytesIn: () => this.bytesIn,
      bytesOut: () => this.bytesOut,
      socket,
      kick: (reason) => this.close('kicked', { reason }),
    };
    ctx.registry.add(this.entry);
    this.log.debug('connection.open');
    const check = Math.min(5000, Math.max(50, options.sessionTimeoutMs / 4));
    this.activityTimer = setInterval(() => {
      if (Date.now() - this.lastActivity > options.sessionTimeoutMs) this.close('session-timeout');
    }, check);
    this.activityTimer.unref();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.close('socket-error', { err }));
    socket.on('close', () => this.close('peer-closed'));
    socket.on('end', () => this.close('peer-ended'));
    socket.on('drain', () => this.play?.sub?.resume());
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.bytesIn += chunk.byteLength;
    this.lastActivity = Date.now();
    let units: RtspUnit[];
    try {
      units = this.decoder.push(chunk);
    } catch (err) {
      this.refuseBytes(err);
      return;
    }
    // A message that does not complete in time (slow drip, Content-Length larger than the body).
    if (units.length > 0 && this.requestTimer) {
      clearTimeout(this.requestTimer);
      this.requestTimer = undefined;
    } else if (units.length === 0 && this.requestTimer === undefined) {
      this.requestTimer = setTimeout(() => {
        this.log.warn('rtsp.protocol-error', { code: 'RTSP_REQUEST_TIMEOUT', message: `incomplete message after ${this.options.requestTimeoutMs} ms` });
        this.sendRaw(408, 'RTSP_REQUEST_TIMEOUT');
        this.closeSoon('protocol-error');
      }, this.options.requestTimeoutMs);
      this.requestTimer.unref();
    }
    for (const unit of units) {
      if (this.closed) return;
      if (unit.type === 'interleaved') {
        try {
          this.onInterleaved(unit.channel, unit.payload);
        } catch (err) {
          this.fail(err);
        }
      } else if (unit.type === 'request') {
        this.pending = this.pending.then(() => (this.closed ? undefined : this.onRequest(unit))).catch((err: unknown) => this.fail(err));
      }
      // responses (to requests we never send) are ignored
    }
  }

  /** The decoder refused the bytes: answer once with a status when it fits, then close. */
  private refuseBytes(err: unknown): void {
    if (!(err instanceof ProtocolError)) return this.fail(err);
    this.log.warn('rtsp.protocol-error', { code: err.code, message: err.message });
    if (err.code !== 'RTSP_INTERLEAVED_TOO_LARGE') this.sendRaw(err.code === 'RTSP_BODY_TOO_LARGE' ? 413 : 400, err.code);
    this.closeSoon('protocol-error');
  }

  private onInterleaved(channel: number, payload: Uint8Array): void {
    const pub = this.publish;
    if (pub?.channels.has(channel)) {
      if (!pub.recording) return; // before RECORD's answer: nothing to publish yet
      const v = pub.channels.get(channel)!;
      if (v >= 0) pub.publisher.onRtp(v, payload);
      else pub.publisher.onRtcp(-v - 1, payload);
      return;
    }
    if (this.play?.channels.has(channel)) {
      RtspPlayer.readRtcp(payload); // receiver reports: accepted (parse errors close, like any bad input)
      return;
    }
    throw new ProtocolError('RTSP_UNKNOWN_CHANNEL', `interleaved frame on channel ${channel}, which no SETUP assigned`);
  }

  /** Logs a refused input (coded) or a bug, and closes this connection only. */
  private fail(err: unknown): void {
    if (err instanceof ProtocolError) {
      this.log.warn('rtsp.protocol-error', { code: err.code, message: err.message });
      this.close('protocol-error', { code: err.code });
    } else {
      this.log.error('rtsp.internal-error', { err });
      this.close('internal-error');
    }
  }

  private async onRequest(req: RtspRequest): Promise<void> {
    const cseq = getCSeq(req);
    try {
      if (cseq === undefined) throw new RtspRequestError(400, 'RTSP_NO_CSEQ', 'request without a CSeq');
      this.checkSession(req);
      switch (req.method) {
        case 'OPTIONS':
          return this.reply(req, 200, [['Public', METHODS]]);
        case 'GET_PARAMETER':
        case 'SET_PARAMETER':
          // keep-alives (the session timeout was pushed back by the bytes themselves)
          return this.reply(req, 200);
        case 'ANNOUNCE':
          return await this.onAnnounce(req);
        case 'DESCRIBE':
          return await this.onDescribe(req);
        case 'SETUP':
          return await this.onSetup(req);
        case 'RECORD':
          return this.onRecord(req);
        case 'PLAY':
          return await this.onPlay(req);
        case 'PAUSE':
          return this.onPause(req);
        case 'TEARDOWN':
          this.reply(req, 200);
          return this.closeSoon('teardown');
        default:
          throw new RtspRequestError(501, 'RTSP_METHOD_NOT_IMPLEMENTED', `method ${req.method} is not implemented`);
      }
    } catch (err) {
      if (!(err instanceof RtspRequestError || err instanceof ProtocolError)) throw err;
      const status = err instanceof RtspRequestError ? err.status : 400;
      const extra = err instanceof RtspAuthChallenge ? err.headers : [];
      this.log.info('rtsp.request-refused', { method: req.method, uri: redactUri(req.uri), status, code: err.code, message: err.message });
      this.reply(req, status, extra);
      // Refused publishes and broken requests end the connection; a 401 waits for the retry.
      if (status !== 401 && status !== 404 && status !== 454 && status !== 455 && status !== 461) this.closeSoon(err.code);
    }
  }

  private checkSession(req: RtspRequest): void {
    const header = getHeader(req, 'Session');
    if (header === undefined || this.sessionId === undefined) return;
    if (parseSessionHeader(header).id !== this.sessionId) throw new RtspRequestError(454, 'RTSP_SESSION_NOT_FOUND', `unknown session ${header.slice(0, 32)}`);
  }

  private async onAnnounce(req: RtspRequest): Promise<void> {
    if (this.publish || this.play) throw new RtspRequestError(455, 'RTSP_BAD_STATE', 'ANNOUNCE on a connection that already publishes or plays');
    if (this.deps.ctx.state.draining) throw new RtspRequestError(503, 'RTSP_DRAINING', 'the server is draining');
    const type = getHeader(req, 'Content-Type');
    if (type !== undefined && !/^application\/sdp\b/i.test(type)) throw new RtspRequestError(415, 'RTSP_NOT_SDP', `ANNOUNCE body of type ${type.slice(0, 32)}`);
    const sdp = parseSdp(Buffer.from(req.body).toString('utf8'));
    const target = streamTarget(req.uri, sdp.sessionName);
    const tracks = sdp.media.map(trackFromSdpMedia).filter((t): t is SdpTrack => t !== undefined);
    if (tracks.length === 0) throw new RtspRequestError(415, 'RTSP_NO_SUPPORTED_TRACK', 'no H.264, H.265, AAC or Opus track in the SDP');
    const { decision, request } = await this.authorize(req, 'publish', target.app, target.stream, target.query);
    const path = Hub.path(target.app, target.stream);
    const user = decision?.user;
    const info = { id: this.id, protocol: 'rtsp', remoteAddress: this.remote, user, kick: (reason: string) => this.close('kicked', { reason }) };
    let result = this.deps.ctx.hub.publish(path, info);
    if (!result.ok && user !== undefined && result.current.user === user) {
      this.log.info('rtsp.publish-replaces', { path, replaced: result.current.id });
      result.current.kick('replaced by a new session of the same user');
      result = this.deps.ctx.hub.publish(path, info);
    }
    if (!result.ok) throw new RtspRequestError(453, 'RTSP_STREAM_BUSY', `stream ${path} is already being published`);
    this.publish = {
      app: target.app,
      stream: target.stream,
      path,
      tracks,
      publisher: new RtspPublisher(tracks, result.publication),
      decision,
      request,
      channels: new Map(),
      setUp: new Set(),
      recording: false,
    };
    this.entry.role = 'publisher';
    this.entry.app = target.app;
    this.entry.stream = target.stream;
    this.entry.user = user;
    this.log.info('rtsp.announce', { app: target.app, stream: target.stream, user, tracks: tracks.map((t) => t.codec) });
    this.reply(req, 200);
  }

  private async onDescribe(req: RtspRequest): Promise<void> {
    if (this.publish) throw new RtspRequestError(455, 'RTSP_BAD_STATE', 'DESCRIBE on a publishing connection');
    const target = streamTarget(req.uri, '');
    const { decision, request } = await this.authorize(req, 'play', target.app, target.stream, target.query);
    const path = Hub.path(target.app, target.stream);
    if (!this.deps.ctx.hub.isLive(path)) throw new RtspRequestError(404, 'RTSP_STREAM_NOT_FOUND', `stream ${path} is not live`);
    const configs = await this.probeConfigs(path);
    const tracks = outgoingTracks(configs);
    if (tracks.length === 0) throw new RtspRequestError(415, 'RTSP_NO_SUPPORTED_TRACK', `stream ${path} has no track RTSP carries`);
    const local = (this.socket.localAddress ?? '0.0.0.0').replace(/^::ffff:/, '');
    const body = Buffer.from(formatSdp(sdpFromTracks(configs, { sessionName: target.stream, address: local, sessionId: String(Date.now()) })), 'utf8');
    this.described = { app: target.app, stream: target.stream, path, tracks, ...(decision ? { decision } : {}), ...(request ? { request } : {}) };
    this.reply(req, 200, [['Content-Base', `${stripQuery(req.uri).replace(/\/$/, '')}/`], ['Content-Type', 'application/sdp']], body);
  }

  /**
   * The stream's decoder configs as a new reader would get them: a short-lived subscription reads
   * the first batch (configs come first, hub contract), waiting a little for a config still on its way.
   */
  private probeConfigs(path: string): Promise<(VideoConfig | AudioConfig)[]> {
    const info = this.deps.ctx.hub.streamInfo(path);
    const want = (info?.video ? 1 : 0) + (info?.audio ? 1 : 0);
    return new Promise((resolve) => {
      const configs: (VideoConfig | AudioConfig)[] = [];
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sub.close();
        configs.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'video-config' ? -1 : 1));
        resolve(configs);
      };
      const timer = setTimeout(finish, 1500);
      const sub = this.deps.ctx.hub.subscribe(path, {
        id: `${this.id}-describe`,
        protocol: 'rtsp-describe',
        onPublish: () => {},
        onUnpublish: () => {},
        onEnd: () => finish(),
        write: (frames: readonly MediaFrame[]) => {
          for (const f of frames) {
            if ((f.kind === 'video-config' || f.kind === 'audio-config') && !configs.some((c) => c.kind === f.kind)) configs.push(f);
          }
          if (configs.length >= Math.max(1, want) || frames.some((f) => f.kind === 'video' || f.kind === 'audio')) setImmediate(finish);
          return true;
        },
      });
    });
  }

  private async onSetup(req: RtspRequest): Promise<void> {
    const transports = parseTransport(getHeader(req, 'Transport') ?? '');
    const wanted = transports.find((t) => t.delivery === 'unicast');
    if (!wanted) throw new RtspRequestError(461, 'RTSP_UNSUPPORTED_TRANSPORT', 'only unicast RTP over UDP or TCP');
    if (this.publish) return this.setupPublish(req, wanted);
    if (this.described || this.play) return this.setupPlay(req, wanted);
    throw new RtspRequestError(455, 'RTSP_SETUP_BEFORE_ANNOUNCE', 'SETUP before ANNOUNCE (publish) or DESCRIBE (play)');
  }

  private async setupPublish(req: RtspRequest, t: RtspTransport): Promise<void> {
    const pub = this.publish!;
    if (pub.recording) throw new RtspRequestError(455, 'RTSP_BAD_STATE', 'SETUP after RECORD');
    const index = pub.tracks.findIndex((track) => controlMatches(req.uri, track.control, pub.tracks.length));
    if (index < 0) throw new RtspRequestError(404, 'RTSP_UNKNOWN_TRACK', `no announced track at ${redactUri(req.uri)}`);
    if (pub.setUp.has(index)) throw new RtspRequestError(455, 'RTSP_BAD_STATE', `track ${index} is already set up`);
    let answer: RtspTransport;
    if (t.protocol === 'tcp') {
      const [rtp, rtcp] = t.interleaved ?? [index * 2, index * 2 + 1];
      if (pub.channels.has(rtp) || pub.channels.has(rtcp)) throw new RtspRequestError(461, 'RTSP_CHANNEL_IN_USE', `interleaved channels ${rtp}-${rtcp} are taken`);
      pub.channels.set(rtp, index);
      pub.channels.set(rtcp, -index - 1);
      answer = { protocol: 'tcp', delivery: 'unicast', interleaved: [rtp, rtcp], mode: 'record' };
    } else {
      const pair = await this.allocatePair();
      pub.publisher.useReorderBuffer(index);
      const onPacket = (rtcp: boolean) => (msg: Buffer, rinfo: { address: string }) => {
        // Only the RTSP client may feed its session: anything else is a spoof or a flood.
        if (this.closed || !pub.recording || rinfo.address.replace(/^::ffff:/, '') !== this.remote) return;
        this.lastActivity = Date.now();
        try {
          if (rtcp) pub.publisher.onRtcp(index, msg);
          else pub.publisher.onRtp(index, msg);
        } catch (err) {
          // UDP can be forged and reordered: a bad datagram is dropped and counted, not fatal.
          if (!(err instanceof ProtocolError)) return this.fail(err);
          if (this.badUdpPackets++ === 0) this.log.warn('rtsp.bad-udp-packet', { code: err.code, message: err.message });
        }
      };
      pair.rtp.on('message', onPacket(false));
      pair.rtcp.on('message', onPacket(true));
      answer = { protocol: 'udp', delivery: 'unicast', ...(t.clientPort ? { clientPort: t.clientPort } : {}), serverPort: [pair.rtpPort, pair.rtcpPort], mode: 'record' };
    }
    pub.setUp.add(index);
    this.sessionId ??= randomBytes(8).toString('hex');
    this.reply(req, 200, [['Transport', formatTransport(answer)]]);
  }

  private async setupPlay(req: RtspRequest, t: RtspTransport): Promise<void> {
    const d = this.described ?? this.play!;
    const m = /\/trackID=(\d{1,3})\/?$/.exec(stripQuery(req.uri));
    const spec = m ? d.tracks.find((tr) => tr.index === Number(m[1])) : d.tracks.length === 1 ? d.tracks[0] : undefined;
    if (!spec) throw new RtspRequestError(404, 'RTSP_UNKNOWN_TRACK', `no track at ${redactUri(req.uri)}`);
    this.play ??= {
      app: d.app,
      stream: d.stream,
      path: d.path,
      tracks: d.tracks,
      player: new RtspPlayer(this.id, this.playerIo()),
      setUp: new Set(),
      channels: new Set(),
      playing: false,
    };
    const play = this.play;
    if (play.playing) throw new RtspRequestError(455, 'RTSP_BAD_STATE', 'SETUP while playing');
    if (play.setUp.has(spec.index)) throw new RtspRequestError(455, 'RTSP_BAD_STATE', `track ${spec.index} is already set up`);
    let answer: RtspTransport;
    if (t.protocol === 'tcp') {
      const [rtp, rtcp] = t.interleaved ?? [spec.index * 2, spec.index * 2 + 1];
      if (play.channels.has(rtp) || play.channels.has(rtcp)) throw new RtspRequestError(461, 'RTSP_CHANNEL_IN_USE', `interleaved channels ${rtp}-${rtcp} are taken`);
      play.channels.add(rtp);
      play.channels.add(rtcp);
      play.player.addTrack(spec, { kind: 'tcp', rtpChannel: rtp, rtcpChannel: rtcp });
      answer = { protocol: 'tcp', delivery: 'unicast', interleaved: [rtp, rtcp] };
    } else {
      if (!t.clientPort) throw new RtspRequestError(461, 'RTSP_NO_CLIENT_PORT', 'UDP transport without client_port');
      const pair = await this.allocatePair();
      pair.rtcp.on('message', (msg, rinfo) => {
        if (rinfo.address.replace(/^::ffff:/, '') !== this.remote) return;
        this.lastActivity = Date.now(); // receiver reports keep a UDP player's session alive
        try {
          RtspPlayer.readRtcp(msg);
        } catch {
          this.badUdpPackets++;
        }
      });
      play.player.addTrack(spec, { kind: 'udp', pair, host: this.remote, rtpPort: t.clientPort[0], rtcpPort: t.clientPort[1] });
      answer = { protocol: 'udp', delivery: 'unicast', clientPort: t.clientPort, serverPort: [pair.rtpPort, pair.rtcpPort] };
    }
    play.setUp.add(spec.index);
    this.entry.role ??= 'player';
    this.entry.app ??= d.app;
    this.entry.stream ??= d.stream;
    this.sessionId ??= randomBytes(8).toString('hex');
    this.reply(req, 200, [['Transport', formatTransport(answer)]]);
  }

  private async allocatePair(): Promise<RtpUdpPair> {
    try {
      const pair = await this.deps.udpPorts.allocate();
      if (this.closed) {
        pair.close();
        throw new RtspRequestError(500, 'RTSP_CLOSED', 'connection closed during SETUP');
      }
      this.udpPairs.push(pair);
      return pair;
    } catch (err) {
      if (err instanceof RtspRequestError) throw err;
      throw new RtspRequestError(453, 'RTP_PORTS_EXHAUSTED', 'no free RTP/RTCP UDP port pair', { cause: err });
    }
  }

  private onRecord(req: RtspRequest): void {
    const pub = this.publish;
    if (!pub) throw new RtspRequestError(455, 'RTSP_RECORD_BEFORE_ANNOUNCE', 'RECORD before ANNOUNCE');
    if (pub.setUp.size === 0) throw new RtspRequestError(455, 'RTSP_RECORD_BEFORE_SETUP', 'RECORD before SETUP');
    if (!pub.recording) {
      pub.recording = true;
      this.log.info('rtsp.publish', { app: pub.app, stream: pub.stream, user: pub.decision?.user, tracks: pub.setUp.size, udp: this.udpPairs.length > 0, ...(this.udpPairs.length > 0 ? { rtpPorts: this.udpPairs.map((p) => p.rtpPort) } : {}) });
      this.watch(pub.decision, pub.request, 'publish');
    }
    this.reply(req, 200);
  }

  private async onPlay(req: RtspRequest): Promise<void> {
    const play = this.play;
    if (!play || play.setUp.size === 0) throw new RtspRequestError(455, 'RTSP_PLAY_BEFORE_SETUP', 'PLAY before SETUP');
    const base = this.described ? stripQuery(req.uri).replace(/\/$/, '') : '';
    const answer = (rtpTimes?: ReadonlyMap<number, number>): void => {
      const info = play.player.trackStates().map((s) => ({
        url: `${base}/trackID=${s.index}`,
        seq: s.seq,
        ...(rtpTimes?.has(s.index) ? { rtptime: rtpTimes.get(s.index)! } : {}),
      }));
      this.reply(req, 200, [['Range', formatNptRange(0)], ['RTP-Info', formatRtpInfo(info)]]);
    };
    if (play.playing) return answer();
    play.playing = true;
    if (!play.sub) {
      this.log.info('rtsp.play', { app: play.app, stream: play.stream, tracks: play.setUp.size, udp: this.udpPairs.length > 0 });
      if (this.described) this.watch(this.described.decision, this.described.request, 'play');
    }
    if (play.player.started) {
      const sub = this.deps.ctx.hub.subscribe(play.path, play.player);
      play.sub = sub;
      play.player.setResume(() => sub.resume());
      return answer();
    }
    // The PLAY answer waits for the first frame so RTP-Info can carry each track's rtptime.
    await new Promise<void>((resolve) => {
      let answered = false;
      const once = (times?: ReadonlyMap<number, number>): void => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        if (!this.closed) answer(times);
        resolve();
      };
      const timer = setTimeout(() => once(), this.options.playAnswerWaitMs);
      this.firstFrameHook = once;
      const sub = this.deps.ctx.hub.subscribe(play.path, play.player);
      play.sub = sub;
      play.player.setResume(() => sub.resume());
    });
  }

  private firstFrameHook: ((times: ReadonlyMap<number, number>) => void) | undefined;

  private playerIo() {
    return {
      writeTcp: (chunks: readonly Uint8Array[]): boolean => {
        if (this.closed || this.socket.destroyed) return true;
        const cork = chunks.length > 1;
        if (cork) this.socket.cork();
        let ok = true;
        for (const c of chunks) ok = this.write(c);
        if (cork) this.socket.uncork();
        return ok;
      },
      tcpNeedsDrain: (): boolean => this.socket.writableNeedDrain,
      onFirstFrame: (times: ReadonlyMap<number, number>): void => {
        const hook = this.firstFrameHook;
        this.firstFrameHook = undefined;
        hook?.(times);
      },
      onEnd: (reason: string): void => {
        if (this.play) this.play.sub = undefined;
        this.log.info('rtsp.play-ended', { stream: this.play?.stream, reason });
        this.close(reason);
      },
      onUnpublish: (): void => {
        // RTSP has no "unpublished" notice: the player's session ends (RTCP BYE is optional, §6.6).
        this.log.info('rtsp.play-unpublished', { stream: this.play?.stream });
        this.closeSoon('unpublished');
      },
    };
  }

  private onPause(req: RtspRequest): void {
    const play = this.play;
    if (!play) throw new RtspRequestError(455, 'RTSP_BAD_STATE', 'PAUSE without a PLAY session');
    play.playing = false;
    play.sub?.close();
    play.sub = undefined;
    this.reply(req, 200);
  }

  /** Asks the authorizer (when auth is configured); raises 401 with challenges, 403 or 503. */
  private async authorize(req: RtspRequest, action: 'publish' | 'play', app: string, stream: string, query: string): Promise<{ decision?: AuthDecision; request?: AuthorizeRequest }> {
    const bad = invalidNameReason(app) ?? invalidNameReason(stream);
    if (bad) throw new RtspRequestError(400, 'RTSP_BAD_STREAM_NAME', `invalid stream name ${app}/${stream}: ${bad}`);
    const authorizer: Authorizer | undefined = this.deps.ctx.authorizer;
    if (!authorizer) return {};
    const credentials = this.credentialsOf(req);
    const request: AuthorizeRequest = { action, protocol: 'rtsp', app, stream: query ? `${stream}?${query}` : stream, ip: this.remote, credentials };
    const decision = await authorizer.authorize(request);
    if (this.closed) throw new RtspRequestError(500, 'RTSP_CLOSED', 'connection closed during the auth decision');
    if (decision.allowed) return { decision, request };
    switch (decision.reason) {
      case 'no_credentials':
      case 'bad_credentials':
      case 'challenge_invalid':
        throw new RtspAuthChallenge(decision.reason, this.challengeHeaders(false));
      case 'service_unavailable':
      case 'timeout':
        throw new RtspRequestError(503, 'RTSP_AUTH_UNAVAILABLE', decision.description ?? 'authorization service unavailable');
      case 'bad_request':
        throw new RtspRequestError(400, 'RTSP_AUTH_BAD_REQUEST', decision.description ?? 'malformed request');
      default:
        throw new RtspRequestError(403, 'RTSP_FORBIDDEN', decision.description ?? `${action} of ${app}/${stream} not allowed`);
    }
  }

  private credentialsOf(req: RtspRequest): Credentials {
    const header = getHeader(req, 'Authorization');
    if (header === undefined) return { kind: 'none' };
    const auth = parseAuthorization(header);
    if (auth.scheme === 'basic') return { kind: 'password', user: auth.username, password: auth.password, source: 'rtsp-basic' };
    // verifyDigest checks the maths only: the realm and the nonce must be ours, issued on this
    // connection and fresh; the answer must be for this request's URI (RFC 2617 §3.2.2.5) and,
    // with qop, carry a nonce count not seen before on this nonce (§3.2.2: replay protection).
    const nonce = this.deps.nonces.verify(auth.nonce, this.id);
    if (auth.realm !== REALM || nonce === 'invalid') throw new RtspAuthChallenge('challenge_invalid', this.challengeHeaders(false));
    if (nonce === 'stale') throw new RtspAuthChallenge('challenge_invalid', this.challengeHeaders(true));
    if (!digestUriMatches(auth.uri, req.uri)) throw new RtspAuthChallenge('challenge_invalid', this.challengeHeaders(false));
    if (auth.qop !== undefined && !this.nonceCounts.accept(auth.nonce, auth.nc)) throw new RtspAuthChallenge('challenge_invalid', this.challengeHeaders(false));
    const method = req.method;
    return { kind: 'proof', method: 'rtsp-digest', user: auth.username, verify: (password) => verifyDigest(auth, password, method) };
  }

  private challengeHeaders(stale: boolean): [string, string][] {
    return [
      ['WWW-Authenticate', formatWwwAuthenticate({ scheme: 'digest', realm: REALM, nonce: this.deps.nonces.issue(this.id), ...(stale ? { stale: true } : {}) })],
      ['WWW-Authenticate', formatWwwAuthenticate({ scheme: 'basic', realm: REALM })],
    ];
  }

  /** Re-checks a live session's grant when its answer expires (issue 4: revocation within the TTL). */
  private watch(decision: AuthDecision | undefined, request: AuthorizeRequest | undefined, action: string): void {
    const authorizer = this.deps.ctx.authorizer;
    if (!authorizer || !decision?.recheckAtMs || !request) return;
    const arm = (at: number): void => {
      this.recheckTimer = setTimeout(() => {
        void authorizer.recheck(request).then((d) => {
          if (this.closed) return;
          if (!d.allowed) {
            this.log.info('rtsp.revoked', { action, reason: d.reason, user: d.user });
            this.close('revoked');
          } else if (d.recheckAtMs) arm(d.recheckAtMs);
        });
      }, Math.max(1000, at - Date.now()));
      this.recheckTimer.unref();
    };
    arm(decision.recheckAtMs);
  }

  private reply(req: RtspRequest, status: number, headers: [string, string][] = [], body: Uint8Array = new Uint8Array(0)): void {
    const h: [string, string][] = [['CSeq', String(getCSeq(req) ?? 0)], ['Server', 'streamgate']];
    if (this.sessionId !== undefined) h.push(['Session', formatSessionHeader({ id: this.sessionId, timeout: Math.round(this.options.sessionTimeoutMs / 1000) })]);
    this.write(encodeRtspResponse({ status, reason: REASONS[status] ?? 'Error', headers: [...h, ...headers], body }));
  }

  /** An error answer outside any parsed request (the decoder refused the bytes). */
  private sendRaw(status: number, code: string): void {
    this.write(encodeRtspResponse({ status, reason: REASONS[status] ?? 'Error', headers: [['Server', 'streamgate'], ['X-Error-Code', code]], body: new Uint8Array(0) }));
  }

  private write(data: Uint8Array): boolean {
    if (this.closed || this.socket.destroyed) return false;
    this.bytesOut += data.byteLength;
    return this.socket.write(data);
  }

  /** Lets the last answer reach the peer, then closes. */
  private closeSoon(reason: string): void {
    this.closeReason ??= reason;
    setTimeout(() => this.close(reason), 100).unref();
    this.socket.end();
  }

  /** Closes the connection and releases its stream, subscription and UDP ports (idempotent). */
  close(reason: string, fields: Record<string, unknown> = {}): void {
    if (this.closed) return;
    this.closed = true;
    reason = this.closeReason ?? reason;
    clearInterval(this.activityTimer);
    if (this.requestTimer) clearTimeout(this.requestTimer);
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    const pub = this.publish;
    if (pub) {
      pub.publisher.end();
      this.log.info('rtsp.unpublish', { path: pub.path, ...pub.publisher.stats });
    }
    if (this.play) {
      this.play.player.stop();
      this.play.sub?.close();
      this.play.sub = undefined;
    }
    this.firstFrameHook?.(new Map());
    for (const pair of this.udpPairs) pair.close();
    this.deps.ctx.registry.remove(this.id);
    this.socket.destroy();
    this.log.info('connection.close', {
      reason,
      ...fields,
      ...(this.badUdpPackets > 0 ? { badUdpPackets: this.badUdpPackets } : {}),
      app: this.entry.app,
      stream: this.entry.stream,
      role: this.entry.role,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      durationMs: Date.now() - this.startedAt,
    });
  }
}

/** A 401 carrying the WWW-Authenticate challenges. */
class RtspAuthChallenge extends RtspRequestError {
  constructor(
    reason: string,
    readonly headers: [string, string][],
  ) {
    super(401, `RTSP_AUTH_${reason.toUpperCase()}`, reason === 'no_credentials' ? 'authentication required' : 'authentication failed');
  }
}

function stripQuery(uri: string): string {
  const q = uri.indexOf('?');
  return q < 0 ? uri : uri.slice(0, q);
}

/** The URI with any user:password@ removed (for logs). */
function redactUri(uri: string): string {
  return uri.replace(/^(rtsps?:\/\/)[^@/]*@/i, '$1');
}

/**
 * `rtsp://host[:port]/APP/STREAM[?query]` → app, stream, query. A URL with only the app takes the
 * stream from the SDP session name (`ffmpeg -metadata title=test … rtsp://host/flvplayback`).
 */
function streamTarget(uri: string, sessionName: string): { app: string; stream: string; query: string } {
  const m = /^rtsps?:\/\/[^/]*(\/[^]*)?$/i.exec(uri);
  if (!m) throw new RtspRequestError(400, 'RTSP_BAD_URI', `not an rtsp:// URL: ${redactUri(uri).slice(0, 64)}`);
  const { name, query } = splitQuery(m[1] ?? '/');
  const parts = name.split('/').filter((p) => p !== '').map(safeDecode);
  const app = parts[0];
  if (app === undefined) throw new RtspRequestError(404, 'RTSP_NO_APP', 'URL without an application');
  const stream = parts.length > 1 ? parts.slice(1).join('/') : sessionName.trim();
  if (stream === '' || stream === '-' || stream === 'No Name') throw new RtspRequestError(404, 'RTSP_NO_STREAM', 'URL without a stream name and SDP without a session name');
  return { app, stream, query };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new RtspRequestError(400, 'RTSP_BAD_URI', `bad percent-encoding in ${s.slice(0, 32)}`);
  }
}

/** Whether a SETUP URI names the announced track with `control` (relative or absolute). */
function controlMatches(uri: string, control: string | undefined, trackCount: number): boolean {
  const u = stripQuery(uri).replace(/\/$/, '');
  if (control === undefined || control === '*') return trackCount === 1;
  if (/^rtsps?:\/\//i.test(control)) return stripQuery(control).replace(/\/$/, '') === u;
  return u.endsWith(`/${control}`);
}
