import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { AuthDecision, Authorizer, AuthorizeRequest, AuthReason, Credentials } from '#ingest/auth/authorizer.js';
import type { Subscription } from '#ingest/hub/subscription.js';
import type { Logger } from '#domain/logger.js';
import type { AudioConfig, MediaFrame, VideoConfig } from '#ingest/media/media-frame.js';
import { ProtocolError } from '#ingest/protocols/protocol-error.js';
import { digestUriMatches, DigestNonceCounts, formatWwwAuthenticate, parseAuthorization, verifyDigest } from '#ingest/protocols/rtsp/rtsp-auth.js';
import { getHeader, type RtspRequest } from '#ingest/protocols/rtsp/rtsp-message.js';
import { RtspRequestError } from '#ingest/protocols/rtsp/rtsp-request-error.js';
import { redactUri, RtspServerSession, stripQuery, type RtspSessionEvent } from '#ingest/protocols/rtsp/rtsp-server-session.js';
import { formatNptRange, formatRtpInfo } from '#ingest/protocols/rtsp/rtsp-session-header.js';
import type { RtspTransport } from '#ingest/protocols/rtsp/rtsp-transport.js';
import { formatSdp } from '#ingest/protocols/sdp/sdp.js';
import { sdpFromTracks, type SdpTrack } from '#ingest/protocols/sdp/sdp-tracks.js';
import type { RtspMetrics } from '#ingest/metrics/rtsp-metrics.js';
import { RtpSourceLatch, type RtpDropReason } from '#ingest/protocols/rtp/rtp-source-latch.js';
import type { ConnectionPendingBytes } from '#ingest/protocols/pending-bytes-budget.js';
import type { ConnectionEntry } from '../connection-registry.js';
import { TrackedConnection } from '../tracked-connection.js';
import type { IngestContext } from '../ingest-context.js';
import type { RtpUdpPair, RtpUdpPorts } from './rtp-udp-ports.js';
import type { RtspNonces } from './rtsp-nonces.js';
import { DirectSocketWriter } from '../direct-socket-write.js';
import type { IdleCheck, IdleSweeper } from '../idle-sweeper.js';
import { readIntoSharedBuffer } from '../shared-read-buffer.js';
import type { RtspPlayStreams } from './rtsp-play-streams.js';
import { outgoingTracks, RtspPlayer, type OutgoingTrackSpec, type RtspPlayerIo } from './rtsp-player.js';
import { RtspPublisher } from './rtsp-publisher.js';
import { rtspStreamTarget, type RtspStreamTarget } from './rtsp-stream-target.js';
import { publishStream } from '../publish-stream.js';

/** Settings of an RTSP connection. */
export interface RtspConnectionOptions {
  /** A session without any request or media for this long is closed; announced in `Session: id;timeout=`. */
  readonly sessionTimeoutMs: number;
  /** A request whose head or body does not complete within this is refused (slow or lying Content-Length). */
  readonly requestTimeoutMs: number;
  /** How long PLAY waits for the first frame (to fill RTP-Info rtptime) before answering without it. */
  readonly playAnswerWaitMs: number;
  /** RTSPS (RTSP over TLS): RTP interleaved only, and the connection is named `rtsps`. */
  readonly tls?: boolean;
}

/** Default session timeout (RFC 2326 §12.37 default). */
export const RTSP_SESSION_TIMEOUT_MS = 60_000;

/** How often a listener's sessions are checked for idleness: a quarter of the timeout, within 50 ms-5 s. */
export function rtspIdleCheckMs(sessionTimeoutMs: number): number {
  return Math.min(5000, Math.max(50, sessionTimeoutMs / 4));
}

/** What an RTSP connection needs besides the ingest context. */
export interface RtspConnectionDeps {
  readonly ctx: IngestContext;
  readonly udpPorts: RtpUdpPorts;
  readonly nonces: RtspNonces;
  /** Counts datagrams dropped by the UDP source latch. */
  readonly metrics?: RtspMetrics;
  /** The shared RTP side of each played stream (every listener's players of a path share one). */
  readonly playStreams: RtspPlayStreams;
  /** The listener's one idle check for all its sessions (period: rtspIdleCheckMs of the session timeout). */
  readonly idle: IdleSweeper;
}

export { RtspRequestError } from '#ingest/protocols/rtsp/rtsp-request-error.js';

const REALM = 'streamgate';
/** Refusals after which the client may go on on the same connection (a retry with credentials, another track or session). */
const KEEP_OPEN_AFTER = new Set([401, 404, 454, 455, 461]);
/** Decoder errors after which no answer can be framed (the peer is not speaking RTSP requests any more). */
const NO_ANSWER_CODES = new Set(['RTSP_INTERLEAVED_TOO_LARGE', 'RTSP_UNKNOWN_CHANNEL']);

interface PublishState {
  readonly target: RtspStreamTarget;
  readonly tracks: readonly SdpTrack[];
  readonly publisher: RtspPublisher;
  readonly decision: AuthDecision | undefined;
  readonly request: AuthorizeRequest | undefined;
}

interface Described {
  readonly target: RtspStreamTarget;
  readonly tracks: readonly OutgoingTrackSpec[];
  readonly decision?: AuthDecision;
  readonly request?: AuthorizeRequest;
}

interface PlayState {
  readonly target: RtspStreamTarget;
  readonly player: RtspPlayer;
  sub?: Subscription;
  /** The first PLAY was logged and its grant is watched. */
  started?: boolean;
}

/**
 * One RTSP TCP connection: the socket, timers, UDP ports, auth and hub around a sans-I/O
 * RtspServerSession, which owns the protocol state (which request is valid when, channels,
 * session id). Publish (ANNOUNCE, SETUP, RECORD) goes into the hub and play (DESCRIBE, SETUP,
 * PLAY, PAUSE) comes from it, RTP over TCP or UDP; Basic and Digest auth through the ingest's
 * authorizer. Bad input gets a coded error, an RTSP status where one fits, and closes only this
 * connection.
 */
export class RtspConnection implements IdleCheck, RtspPlayerIo {
  readonly id: string;
  private readonly log: Logger;
  private readonly session: RtspServerSession;
  /** Partial messages, queued requests and (publishers) frames being reassembled; small until a publish or play is allowed. */
  private readonly pendingBytes: ConnectionPendingBytes;
  /** Of `pendingBytes`: what the publisher holds (counted after each RTP/RTCP packet). */
  private publisherBytes = 0;
  /** Registry entry, logger, byte counters, fail and close. */
  private readonly conn: TrackedConnection;
  private readonly entry: ConnectionEntry;
  private publish: PublishState | undefined;
  private play: PlayState | undefined;
  /** The stream DESCRIBE answered for (play SETUPs refer to it). */
  private described: Described | undefined;
  private readonly udpPairs: RtpUdpPair[] = [];
  private lastActivity = Date.now();
  private requestTimer: NodeJS.Timeout | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private badUdpPackets = 0;
  private droppedUdpPackets = 0;
  private readonly remote: string;
  private readonly nonceCounts = new DigestNonceCounts();
  private firstFrameHook: ((times: ReadonlyMap<number, number>) => void) | undefined;
  /** Media to players: one write(2) per tick while nothing is queued (DirectSocketWriter). */
  private readonly direct: DirectSocketWriter;
  /** Reads are views of the process's shared read buffer (plain TCP), not buffers of their own. */
  private readonly readsShared: boolean;

  constructor(
    private readonly socket: Socket,
    private readonly options: RtspConnectionOptions,
    private readonly deps: RtspConnectionDeps,
  ) {
    const { ctx } = deps;
    this.remote = (socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
    this.conn = new TrackedConnection({ registry: ctx.registry, log: ctx.log, protocol: options.tls === true ? 'rtsps' : 'rtsp', events: 'rtsp', socket, remoteAddress: this.remote, release: () => this.release() });
    this.id = this.conn.id;
    this.log = this.conn.log;
    this.entry = this.conn.entry;
    this.direct = new DirectSocketWriter(socket);
    this.pendingBytes = ctx.pendingBytes.open();
    this.session = new RtspServerSession({
      send: (data) => this.write(data),
      onEvent: (event) => this.onEvent(event),
      sessionTimeoutSeconds: Math.round(options.sessionTimeoutMs / 1000),
      newSessionId: () => randomBytes(8).toString('hex'),
      pending: this.pendingBytes,
      interleavedOnly: options.tls === true,
    });
    this.log.debug('connection.open');
    deps.idle.add(this);
    // Plain TCP: reads land in one shared buffer instead of 'data' events (see onData for what is kept).
    const onData = (chunk: Buffer): void => this.onData(chunk);
    this.readsShared = readIntoSharedBuffer(socket, onData);
    if (!this.readsShared) socket.on('data', onData);
    socket.on('error', (err) => this.close('socket-error', { err }));
    socket.on('close', () => this.close('peer-closed'));
    socket.on('end', () => this.close('peer-ended'));
    socket.on('drain', () => this.play?.sub?.resume());
  }

  /** The listener's sweeper: closes the session once nothing came for the session timeout. */
  checkIdle(now: number): void {
    // A client waiting for our answer (an auth round trip, DESCRIBE's config probe) is not idle.
    if (this.session.waiting) this.lastActivity = now;
    else if (now - this.lastActivity > this.options.sessionTimeoutMs) this.close('session-timeout');
  }

  /**
   * Bytes read. With `readsShared` they are a view valid only during the call: the decoder copies
   * what it keeps and a player's RTCP is read at once, but a publisher's frames keep views of its RTP
   * payloads, so a publisher is fed a copy of the read (one buffer per read, as 'data' events make).
   */
  private onData(bytes: Buffer): void {
    if (this.closed) return;
    this.conn.bytesIn += bytes.byteLength;
    this.lastActivity = Date.now();
    let completed: boolean;
    const hub = this.deps.ctx.hub;
    // A publisher's frames of this read reach the players at its end, not in a later loop turn.
    hub.beginInput();
    try {
      completed = this.session.feed(this.readsShared && this.publish !== undefined ? Buffer.from(bytes) : bytes);
    } catch (err) {
      this.refuseBytes(err);
      return;
    } finally {
      hub.endInput();
    }
    // A message that does not complete in time (slow drip, Content-Length larger than the body).
    if (completed && this.requestTimer) {
      clearTimeout(this.requestTimer);
      this.requestTimer = undefined;
    } else if (!completed && this.requestTimer === undefined) {
      this.requestTimer = setTimeout(() => {
        this.log.warn('rtsp.protocol-error', { code: 'RTSP_REQUEST_TIMEOUT', message: `incomplete message after ${this.options.requestTimeoutMs} ms` });
        this.session.refuseBytes(408, 'RTSP_REQUEST_TIMEOUT');
        this.closeSoon('protocol-error');
      }, this.options.requestTimeoutMs);
      this.requestTimer.unref();
    }
  }

  /** The session refused the bytes: answer once with a status when it fits, then close. */
  private refuseBytes(err: unknown): void {
    if (!(err instanceof ProtocolError)) return this.fail(err);
    if (NO_ANSWER_CODES.has(err.code)) return this.fail(err);
    this.log.warn('rtsp.protocol-error', { code: err.code, message: err.message });
    this.session.refuseBytes(err.code === 'RTSP_BODY_TOO_LARGE' ? 413 : 400, err.code);
    this.closeSoon('protocol-error');
  }

  private onEvent(event: RtspSessionEvent): void {
    switch (event.type) {
      case 'announce':
        return this.decide(this.onAnnounce(event.request, event.sdp.sessionName, event.tracks));
      case 'describe':
        return this.decide(this.onDescribe(event.request));
      case 'setup':
        return this.decide(event.mode === 'record' ? this.setupPublish(event.track, event.transport, event.interleaved) : this.setupPlay(event.track, event.transport, event.interleaved));
      case 'play':
        return this.decide(this.onPlay(event.request));
      case 'record':
        return this.onRecord();
      case 'pause':
        return this.onPause(event.from);
      case 'teardown':
        return this.closeSoon('teardown');
      case 'rtp':
      case 'rtcp':
        try {
          if (event.type === 'rtp') this.publish?.publisher.onRtp(event.track, event.payload);
          else this.publish?.publisher.onRtcp(event.track, event.payload);
          this.countPublisherBytes();
        } catch (err) {
          this.fail(err);
        }
        return;
      case 'player-rtcp':
        try {
          RtspPlayer.readRtcp(event.payload); // receiver reports: accepted (parse errors close, like any bad input)
        } catch (err) {
          this.fail(err);
        }
        return;
      case 'refused': {
        const { request: req, error: err } = event;
        this.log.info('rtsp.request-refused', { method: req.method, uri: redactUri(req.uri), status: err.status, code: err.code, message: err.message });
        // Refused publishes and broken requests end the connection; a 401 waits for the retry.
        if (!KEEP_OPEN_AFTER.has(err.status)) this.closeSoon(err.code);
        return;
      }
    }
  }

  /** Runs the server's part of a request; a refusal becomes the session's error answer. */
  private decide(work: Promise<void>): void {
    work.catch((err: unknown) => {
      if (err instanceof RtspRequestError) this.session.reject(err);
      else if (err instanceof ProtocolError) this.session.reject(new RtspRequestError(400, err.code, err.message, { cause: err }));
      else this.fail(err);
    });
  }

  private get closed(): boolean {
    return this.conn.closed;
  }

  private fail(err: unknown): void {
    this.conn.fail(err);
  }

  private async onAnnounce(req: RtspRequest, sessionName: string, tracks: readonly SdpTrack[]): Promise<void> {
    if (this.deps.ctx.state.draining) throw new RtspRequestError(503, 'RTSP_DRAINING', 'the server is draining');
    const target = rtspStreamTarget(req.uri, sessionName);
    const { decision, request } = await this.authorize(req, 'publish', target);
    const { path } = target;
    const user = decision?.user;
    const info = { id: this.id, protocol: this.conn.entry.protocol, remoteAddress: this.remote, user, kick: (reason: string) => this.close('kicked', { reason }) };
    const result = await publishStream(this.deps.ctx, path, info);
    if (result.ok && this.closed) {
      result.publication.end();
      return;
    }
    if (result.ok && result.replaced !== undefined) this.log.info('rtsp.publish-replaces', { path, replaced: result.replaced });
    if (!result.ok) throw new RtspRequestError(453, 'RTSP_STREAM_BUSY', `stream ${path} is already being published`);
    this.publish = { target, tracks, publisher: new RtspPublisher(tracks, result.publication, { alignMaxHeldBytes: this.deps.ctx.pendingBytes.authorizedLimit / 2 }), decision, request };
    this.entry.role = 'publisher';
    this.entry.app = target.app;
    this.entry.stream = target.stream;
    this.entry.user = user;
    this.log.info('rtsp.announce', { app: target.app, stream: target.stream, user, tracks: tracks.map((t) => t.codec) });
    this.pendingBytes.authorize();
    this.session.acceptAnnounce();
  }

  private async onDescribe(req: RtspRequest): Promise<void> {
    const target = rtspStreamTarget(req.uri, '');
    const { decision, request } = await this.authorize(req, 'play', target);
    const { path } = target;
    const { hub, cluster } = this.deps.ctx;
    // In a cluster a stream another task owns is pulled here first (the answer waits for it).
    if (!hub.isLive(path) && !(await cluster?.ensureLive(path))) throw new RtspRequestError(404, 'RTSP_STREAM_NOT_FOUND', `stream ${path} is not live`);
    const configs = await this.probeConfigs(path);
    const tracks = outgoingTracks(configs);
    if (tracks.length === 0) throw new RtspRequestError(415, 'RTSP_NO_SUPPORTED_TRACK', `stream ${path} has no track RTSP carries`);
    const local = (this.socket.localAddress ?? '0.0.0.0').replace(/^::ffff:/, '');
    const body = Buffer.from(formatSdp(sdpFromTracks(configs, { sessionName: target.stream, address: local, sessionId: String(Date.now()) })), 'utf8');
    this.described = { target, tracks, ...(decision ? { decision } : {}), ...(request ? { request } : {}) };
    this.pendingBytes.authorize();
    this.session.acceptDescribe(
      tracks.map((t) => t.index),
      [
        ['Content-Base', `${stripQuery(req.uri).replace(/\/$/, '')}/`],
        ['Content-Type', 'application/sdp'],
      ],
      body,
    );
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

  private async setupPublish(index: number, t: RtspTransport, interleaved: readonly [number, number] | undefined): Promise<void> {
    const pub = this.publish!;
    if (interleaved) return this.session.acceptSetup(index, { protocol: 'tcp', delivery: 'unicast', interleaved, mode: 'record' });
    const pair = await this.allocatePair();
    pub.publisher.useReorderBuffer(index);
    // Only the RTSP client's own ports and SSRC may feed its session: anything else is a spoof or a flood.
    const latch = new RtpSourceLatch({ address: this.remote, ...(t.clientPort ? { clientPort: t.clientPort } : {}), ...(t.ssrc !== undefined ? { ssrc: t.ssrc } : {}) });
    const onPacket = (rtcp: boolean) => (msg: Buffer, rinfo: { address: string; port: number }) => {
      if (this.closed || this.session.state !== 'record') return;
      const drop = latch.check(rtcp ? 'rtcp' : 'rtp', rinfo.address.replace(/^::ffff:/, ''), rinfo.port, msg);
      if (drop !== undefined) return this.dropUdp(drop, index);
      this.lastActivity = Date.now();
      // Flushed in the hub's setImmediate turn, once for the datagrams of a poll phase (as SRT's:
      // per datagram would be a flush per RTP packet that ends a frame).
      try {
        if (rtcp) pub.publisher.onRtcp(index, msg);
        else pub.publisher.onRtp(index, msg);
        this.countPublisherBytes();
      } catch (err) {
        if (err instanceof ProtocolError && err.code.startsWith('PENDING_BYTES_')) return this.fail(err);
        // UDP can be forged and reordered: a bad datagram is dropped and counted, not fatal.
        if (!(err instanceof ProtocolError)) return this.fail(err);
        if (this.badUdpPackets++ === 0) this.log.warn('rtsp.bad-udp-packet', { code: err.code, message: err.message });
      }
    };
    pair.rtp.on('message', onPacket(false));
    pair.rtcp.on('message', onPacket(true));
    this.session.acceptSetup(index, { protocol: 'udp', delivery: 'unicast', ...(t.clientPort ? { clientPort: t.clientPort } : {}), serverPort: [pair.rtpPort, pair.rtcpPort], mode: 'record' });
  }

  /** What the publisher holds (reorder, reassembly, alignment) counts in the connection's account, after each packet. */
  private countPublisherBytes(): void {
    const now = this.publish?.publisher.heldBytes ?? 0;
    this.pendingBytes.resize(this.publisherBytes, now);
    this.publisherBytes = now;
  }

  /** Counts (and logs once per connection) a datagram the source latch refused. */
  private dropUdp(reason: RtpDropReason, track: number): void {
    this.deps.metrics?.udpDropped(reason);
    if (this.droppedUdpPackets++ === 0) this.log.warn('rtsp.udp-dropped', { reason, track });
  }

  private async setupPlay(index: number, t: RtspTransport, interleaved: readonly [number, number] | undefined): Promise<void> {
    const d = this.described!;
    const spec = d.tracks.find((tr) => tr.index === index)!;
    this.play ??= { target: d.target, player: new RtspPlayer(this.id, this, this.deps.playStreams.acquire(d.target.path)) };
    const play = this.play;
    let answer: RtspTransport;
    if (interleaved) {
      play.player.addTrack(spec, { kind: 'tcp', rtpChannel: interleaved[0], rtcpChannel: interleaved[1] });
      answer = { protocol: 'tcp', delivery: 'unicast', interleaved };
    } else {
      const clientPort = t.clientPort!; // the session refuses UDP play without client_port
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
      play.player.addTrack(spec, { kind: 'udp', pair, host: this.remote, rtpPort: clientPort[0], rtcpPort: clientPort[1] });
      answer = { protocol: 'udp', delivery: 'unicast', clientPort, serverPort: [pair.rtpPort, pair.rtcpPort] };
    }
    this.entry.role ??= 'player';
    this.entry.app ??= d.target.app;
    this.entry.stream ??= d.target.stream;
    this.session.acceptSetup(index, answer);
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

  private onRecord(): void {
    const pub = this.publish;
    if (!pub) return;
    const udp = this.udpPairs.length > 0;
    this.log.info('rtsp.publish', { app: pub.target.app, stream: pub.target.stream, user: pub.decision?.user, tracks: this.session.setUpTracks.size, udp, ...(udp ? { rtpPorts: this.udpPairs.map((p) => p.rtpPort) } : {}) });
    if (this.recheckTimer === undefined) this.watch(pub.decision, pub.request, 'publish');
  }

  private async onPlay(req: RtspRequest): Promise<void> {
    const play = this.play!;
    const base = stripQuery(req.uri).replace(/\/$/, '');
    const answer = (rtpTimes?: ReadonlyMap<number, number>): void => {
      const info = play.player.trackStates().map((s) => ({
        url: `${base}/trackID=${s.index}`,
        seq: s.seq,
        ...(rtpTimes?.has(s.index) ? { rtptime: rtpTimes.get(s.index)! } : {}),
      }));
      this.session.acceptPlay([
        ['Range', formatNptRange(0)],
        ['RTP-Info', formatRtpInfo(info)],
      ]);
    };
    if (this.session.state === 'play') return answer();
    const path = play.target.path;
    if (!play.started) {
      play.started = true;
      this.log.info('rtsp.play', { app: play.target.app, stream: play.target.stream, tracks: this.session.setUpTracks.size, udp: this.udpPairs.length > 0 });
      if (this.described) this.watch(this.described.decision, this.described.request, 'play');
    }
    // After PAUSE the player starts again after what it already sent (RTP-Info names the first packet after the pause).
    if (play.player.started) play.player.prepareResume();
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
      play.sub = this.deps.ctx.hub.subscribe(path, play.player);
    });
  }

  /** RtspPlayerIo: the player's media on this connection. */
  writeTcp(chunks: readonly Buffer[]): boolean {
    if (this.conn.closed || this.socket.destroyed) return true;
    for (const c of chunks) this.conn.bytesOut += c.byteLength;
    return this.direct.writeAll(chunks);
  }

  /** RtspPlayerIo: the socket's buffer is over its high-water mark. */
  tcpNeedsDrain(): boolean {
    return this.socket.writableNeedDrain;
  }

  /** RtspPlayerIo: answers the waiting PLAY with each track's rtptime. */
  onFirstFrame(times: ReadonlyMap<number, number>): void {
    const hook = this.firstFrameHook;
    this.firstFrameHook = undefined;
    hook?.(times);
  }

  /** RtspPlayerIo: the hub ended the player's subscription. */
  onEnd(reason: string): void {
    if (this.play) this.play.sub = undefined;
    this.log.info('rtsp.play-ended', { stream: this.play?.target.stream, reason });
    this.close(reason);
  }

  /** RtspPlayerIo: the publisher left. */
  onUnpublish(): void {
    // RTSP has no "unpublished" notice: the player's session ends (RTCP BYE is optional, §6.6).
    this.log.info('rtsp.play-unpublished', { stream: this.play?.target.stream });
    this.closeSoon('unpublished');
  }

  /** RtspPlayerIo: a UDP player's send queue emptied. */
  resumeReading(): void {
    this.play?.sub?.resume();
  }

  private onPause(from: string): void {
    this.log.info('rtsp.pause', { from, stream: this.entry.stream });
    // A paused publisher's media is ignored by the session until the next RECORD.
    const play = this.play;
    if (!play || (from !== 'play' && from !== 'pre-play')) return;
    play.sub?.close();
    play.sub = undefined;
  }

  /** Asks the authorizer (when auth is configured); raises 401 with challenges, 403 or 503. */
  private async authorize(req: RtspRequest, action: 'publish' | 'play', target: RtspStreamTarget): Promise<{ decision?: AuthDecision; request?: AuthorizeRequest }> {
    const { app, stream, query } = target;
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

  /** Re-checks a live session's grant when its answer expires (a revoked grant ends the session within the TTL). */
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

  private write(data: Uint8Array): boolean {
    return this.conn.write(data);
  }

  /** Lets the last answer reach the peer, then closes. */
  private closeSoon(reason: string): void {
    this.conn.closeSoon(reason);
  }

  /** Closes the connection and releases its stream, subscription and UDP ports (idempotent). */
  close(reason: string, fields: Record<string, unknown> = {}): void {
    this.conn.close(reason, fields);
  }

  private release(): Record<string, unknown> {
    this.session.close();
    this.deps.idle.delete(this);
    if (this.requestTimer) clearTimeout(this.requestTimer);
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    const pub = this.publish;
    if (pub) {
      pub.publisher.end();
      this.log.info('rtsp.unpublish', { path: pub.target.path, ...pub.publisher.stats });
    }
    if (this.play) {
      this.play.player.stop();
      this.play.sub?.close();
      this.play.sub = undefined;
      this.deps.playStreams.release(this.play.player.stream);
    }
    this.firstFrameHook?.(new Map());
    for (const pair of this.udpPairs) pair.close();
    this.pendingBytes.close();
    return {
      ...(this.badUdpPackets > 0 ? { badUdpPackets: this.badUdpPackets } : {}),
      ...(this.droppedUdpPackets > 0 ? { droppedUdpPackets: this.droppedUdpPackets } : {}),
    };
  }
}

/** A 401 carrying the WWW-Authenticate challenges. */
class RtspAuthChallenge extends RtspRequestError {
  constructor(reason: AuthReason, headers: [string, string][]) {
    super(401, `RTSP_AUTH_${reason.toUpperCase() as Uppercase<AuthReason>}`, reason === 'no_credentials' ? 'authentication required' : 'authentication failed', { headers });
  }
}
