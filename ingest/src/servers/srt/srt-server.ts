import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { randomBytes, randomInt } from 'node:crypto';
import type { AuthDecision, AuthorizeRequest } from '#ingest/auth/authorizer.js';
import type { Subscription } from '#ingest/hub/subscription.js';
import type { Logger } from '#domain/logger.js';
import { LIMITS } from '#ingest/protocols/limits.js';
import { ProtocolError } from '#ingest/protocols/protocol-error.js';
import { SrtByteBudget } from '#ingest/protocols/srt/srt-byte-budget.js';
import { SRT_KEY_REFRESH, SrtConnection, type SrtKeyRefresh } from '#ingest/protocols/srt/srt-connection.js';
import { SRT_REJECT } from '#ingest/protocols/srt/srt-handshake.js';
import { SrtPayloadCipher } from '#ingest/protocols/srt/srt-key-material.js';
import {
  acceptSrtConclusion,
  handleSrtHandshake,
  rejectSrtConclusion,
  type SrtConclusion,
  type SrtListenerOptions,
} from '#ingest/protocols/srt/srt-listener.js';
import { decodeSrtPacket, SRT_CONTROL, type SrtPacket } from '#ingest/protocols/srt/srt-packet.js';
import { parseSrtStreamId, type SrtStreamRequest } from '#ingest/protocols/srt/srt-stream-id.js';
import type { ConnectionEntry } from '../connection-registry.js';
import type { IngestContext, Listener } from '../ingest-context.js';
import { splitQuery } from '../stream-name.js';
import { canonicalStream, StreamNameError, type StreamIdentity } from '#domain/canonical-stream.js';
import { srtRejectReason, srtStreamIdRefusal } from './srt-reject-reason.js';
import { SrtKeyDerivations } from '#ingest/protocols/srt/srt-key-derivations.js';
import type { ClaimResult } from '#ingest/cluster/cluster-node.js';
import type { PublisherInfo } from '#ingest/hub/publisher-info.js';
import { claimStream } from '../publish-stream.js';
import { SrtTsPlayer } from './srt-ts-player.js';
import { SrtTsPublication } from './srt-ts-publication.js';
import { SrtUserKeys } from './srt-user-keys.js';

/** A conclusion ready to open: with a user's own passphrase, its keys unwrapped and that passphrase. */
type OpenConclusion = SrtConclusion & { readonly passphrase?: string };

/** A request naming a user without a password: the user's password is the passphrase. */
function namesUserOnly(r: SrtStreamRequest): boolean {
  return r.user !== undefined && r.password === undefined;
}

/** The listener's view of namesUserOnly: from the raw stream id (a bad one is refused later). */
function userKeyed(streamId: string): boolean {
  try {
    return namesUserOnly(parseSrtStreamId(streamId));
  } catch {
    return false;
  }
}

/** Settings of the SRT listener (from the ingest config; tests shorten the timings). */
/** Packet and byte totals of SRT peers. */
export interface SrtTotals {
  bytesIn: number;
  bytesOut: number;
  /** Packets we sent again after a NAK. */
  retransmitted: number;
  /** Lost packets the peer's retransmission filled. */
  recovered: number;
  /** Lost packets we reported (first reports). */
  lost: number;
  /** Lost packets given up at their play time (too-late drop), ours as receiver. */
  receiveDropped: number;
  /** Packets given up unacknowledged, ours as sender. */
  sendDropped: number;
}

/** What `/metrics` shows of the SRT listener. */
export interface SrtMetricsSnapshot {
  readonly publishers: number;
  readonly players: number;
  /** Handshakes accepted and refused since start. */
  readonly accepted: number;
  readonly refused: number;
  readonly totals: SrtTotals;
  readonly keyDerivations: { readonly derived: number; readonly cached: number; readonly throttled: number };
}

function emptyTotals(): SrtTotals {
  return { bytesIn: 0, bytesOut: 0, retransmitted: 0, recovered: 0, lost: 0, receiveDropped: 0, sendDropped: 0 };
}

function addPeer(t: SrtTotals, peer: Peer): void {
  const s = peer.conn.stats;
  t.bytesIn += peer.bytesIn;
  t.bytesOut += peer.bytesOut;
  t.retransmitted += s.sender.retransmitted;
  t.recovered += s.receiver.recovered;
  t.lost += s.receiver.lost;
  t.receiveDropped += s.receiver.dropped;
  t.sendDropped += s.sender.dropped;
}

/** A publisher's claim of its stream, made before its peer exists (cluster: a lease round trip). */
interface SrtClaim {
  readonly id: string;
  result: ClaimResult;
  peer: Peer | undefined;
  /** Kicked (replaced) before the peer existed. */
  kicked: string | undefined;
}

export interface SrtServerOptions {
  readonly port: number;
  readonly host: string;
  readonly passphrase?: string;
  readonly latencyMs: number;
  /** Established peers at most (new ones are refused with SRT_REJX_OVERLOAD). */
  readonly maxPeers: number;
  /** A peer that sends nothing this long is gone (libsrt: 5 s). */
  readonly peerIdleTimeoutMs?: number;
  /** Packets held per peer and direction. */
  readonly windowPackets?: number;
  /** Payload bytes held for all peers together; each peer gets at most its window's worth. */
  readonly maxBufferedBytes?: number;
  /** Pacing of what we send to one player. */
  readonly sendBytesPerSecond?: number;
  /** How long a refusal is remembered for the caller's repeated conclusions. */
  readonly rejectMemoryMs?: number;
  /** How often the stream key of what we send (players) is replaced; default libsrt's. */
  readonly keyRefresh?: SrtKeyRefresh;
}

/** Defaults of the optional settings. */
export const SRT_SERVER_DEFAULTS = {
  peerIdleTimeoutMs: 5000,
  windowPackets: LIMITS.srtMaxWindowPackets,
  maxBufferedBytes: LIMITS.srtMaxBufferedBytes,
  sendBytesPerSecond: 12_500_000, // 100 Mbit/s
  rejectMemoryMs: 5000,
  keyRefresh: SRT_KEY_REFRESH,
} as const;

const TICK_MS = 10;
const MTU = 1500;
const MAX_PAYLOAD = MTU - 28 - 16;

interface Pending {
  readonly ip: string;
  /** The refusal to repeat for repeated conclusions; absent while the decision is pending. */
  reply?: Uint8Array;
  expiresAt: number;
}

/** One established peer. */
interface Peer {
  readonly id: string;
  readonly socketId: number;
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly conn: SrtConnection;
  /** The conclusion answer, repeated if the caller did not get it. */
  readonly acceptPacket: Uint8Array;
  readonly entry: ConnectionEntry;
  readonly log: Logger;
  readonly startedAt: number;
  bytesIn: number;
  bytesOut: number;
  role: PeerRole | undefined;
  recheck?: ReturnType<typeof setTimeout>;
  closed: boolean;
}

interface PeerRole {
  onPayload(payload: Uint8Array): void;
  /** Time passes (player: resume the hub when the send queue drained). */
  onTick(): void;
  end(): Record<string, unknown>;
}

/**
 * The SRT listener (UDP, live mode, MPEG-TS payload): one socket for every peer. Handshakes are
 * answered statelessly (SYN cookie) until a conclusion with a valid cookie comes; its stream id
 * is parsed and authorized like any publish or play (token lookup and ACL, fail closed) before
 * anything is accepted, and refusals carry SRT access-control reject codes. Established peers are
 * keyed by our socket id and checked against their address; each is bounded (window, bytes,
 * idle time) and bad input drops that packet or closes that peer only.
 */
export class SrtServer implements Listener {
  readonly name = 'srt';
  private socket: Socket | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly peers = new Map<number, Peer>();
  private readonly byCaller = new Map<string, Peer>();
  private readonly pending = new Map<string, Pending>();
  private readonly pendingPerIp = new Map<string, number>();
  private readonly listener: SrtListenerOptions;
  private readonly o: Required<Omit<SrtServerOptions, 'passphrase'>> & { passphrase?: string };
  private readonly log: Logger;
  private readonly budget: SrtByteBudget;
  private closing = false;
  private closed: Promise<void> | undefined;
  private onIdle: (() => void) | undefined;
  /** Counters for tests and metrics. */
  readonly counters = { badPackets: 0, inductions: 0, refused: 0, unknownPeer: 0 };
  /** What closed peers did, so the totals in /metrics only go up. */
  private readonly closedTotals: SrtTotals = emptyTotals();
  private accepted = 0;
  /** PBKDF2 of callers' key material: cached per salt, bounded per address and in all. */
  readonly keyDerivations = new SrtKeyDerivations();

  constructor(
    private readonly ctx: IngestContext,
    options: SrtServerOptions,
  ) {
    this.o = { ...SRT_SERVER_DEFAULTS, ...options };
    this.log = ctx.log.child({ listener: 'srt' });
    this.budget = new SrtByteBudget(this.o.maxBufferedBytes);
    this.listener = {
      secret: randomBytes(32),
      ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
      latencyMs: options.latencyMs,
      mtu: MTU,
      windowPackets: this.o.windowPackets,
      keyDerivations: this.keyDerivations,
      userKeyed,
    };
  }

  /** Established peers (for tests and the admin view). */
  get peerCount(): number {
    return this.peers.size;
  }

  /** Handshakes awaiting a decision or remembered refusals. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Totals since start over every peer, closed ones included (for /metrics). */
  metricsSnapshot(): SrtMetricsSnapshot {
    const totals = { ...this.closedTotals };
    let publishers = 0;
    let players = 0;
    for (const peer of this.peers.values()) {
      addPeer(totals, peer);
      if (peer.entry.role === 'publisher') publishers++;
      else players++;
    }
    return { publishers, players, accepted: this.accepted, refused: this.counters.refused, totals, keyDerivations: { ...this.keyDerivations.stats } };
  }

  /** Payload bytes held for all peers. */
  get bufferedBytes(): number {
    return this.budget.used;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: this.o.host.includes(':') ? 'udp6' : 'udp4' });
      this.socket = socket;
      socket.once('error', reject);
      socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
      socket.bind(this.o.port, this.o.host, () => {
        socket.off('error', reject);
        socket.on('error', (err) => this.log.error('listener.error', { listener: 'srt', err }));
        // Bursts (a GOP to a new player, a publisher catching up) must not overrun the kernel's
        // default buffer; the kernel caps this at net.core.rmem_max / wmem_max.
        try {
          socket.setRecvBufferSize(8 * 1024 * 1024);
          socket.setSendBufferSize(8 * 1024 * 1024);
        } catch {
          // best effort
        }
        this.timer = setInterval(() => this.tick(), TICK_MS);
        this.timer.unref();
        resolve(socket.address().port);
      });
    });
  }

  /**
   * Stops accepting handshakes; the socket closes once the last peer has ended (the drain lets
   * them finish, then kicks them through the registry), as a TCP listener's close does.
   */
  close(): Promise<void> {
    this.closing = true;
    this.closed ??= new Promise((resolve) => {
      this.onIdle = resolve;
    });
    this.closeIfIdle();
    return this.closed;
  }

  private closeIfIdle(): void {
    if (!this.closing || this.peers.size > 0) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    const done = this.onIdle;
    this.onIdle = undefined;
    if (!socket) {
      done?.();
      return;
    }
    socket.close(() => done?.());
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    let packet: SrtPacket;
    try {
      packet = decodeSrtPacket(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
    } catch {
      this.counters.badPackets++;
      return;
    }
    const now = performance.now();
    if (packet.kind === 'control' && packet.type === SRT_CONTROL.handshake && packet.socketId === 0) {
      if (this.closing) return;
      this.onHandshake(packet, rinfo, now);
      return;
    }
    const peer = this.peers.get(packet.socketId);
    if (peer === undefined || peer.address !== rinfo.address || peer.port !== rinfo.port) {
      this.counters.unknownPeer++;
      return;
    }
    peer.bytesIn += msg.byteLength;
    // No hub.beginInput()/endInput() around a datagram: each comes in a callback of its own, and
    // the hub's setImmediate turn runs once after all those of one poll phase, so it flushes the
    // frames of the whole batch together. Flushed per datagram, 5 RTMP players of an ffmpeg SRT
    // publish got twice the writes (14 against 7-8 a second each) for no CPU gain beyond the noise
    // (docs/benchmark.md, Round 7).
    try {
      peer.conn.handle(packet, now);
    } catch (err) {
      this.failPeer(peer, err);
      return;
    }
    this.flush(peer);
  }

  private onHandshake(packet: SrtPacket & { kind: 'control' }, rinfo: RemoteInfo, now: number): void {
    const from = { address: rinfo.address, port: rinfo.port };
    let result;
    try {
      result = handleSrtHandshake(packet, from, Date.now(), this.listener);
    } catch (err) {
      this.counters.badPackets++;
      if (!(err instanceof ProtocolError)) this.log.error('srt.internal-error', { err });
      else this.log.debug('srt.bad-handshake', { code: err.code, remote: rinfo.address });
      return;
    }
    switch (result.kind) {
      case 'ignore':
        return;
      case 'reply':
        this.counters.inductions++;
        this.send(result.packet, from);
        return;
      case 'reject':
        this.counters.refused++;
        this.log.info('srt.refused', { code: result.code, reject: result.reason, remote: rinfo.address });
        this.send(result.packet, from);
        return;
      case 'conclusion':
        if (this.closing) return;
        this.onConclusion(result.conclusion, rinfo, now);
        return;
    }
  }

  private onConclusion(c: SrtConclusion, rinfo: RemoteInfo, now: number): void {
    const from = { address: rinfo.address, port: rinfo.port };
    const key = `${rinfo.address}|${rinfo.port}|${c.peerSocketId}`;
    const established = this.byCaller.get(key);
    if (established) {
      // Our answer was lost: the caller repeats its conclusion.
      this.send(established.acceptPacket, from);
      return;
    }
    const known = this.pending.get(key);
    if (known) {
      if (known.reply) this.send(known.reply, from);
      return;
    }
    const refuse = (reason: number, code: string, fields: Record<string, unknown> = {}): void => {
      this.counters.refused++;
      this.log.info('srt.refused', { code, reject: reason, remote: rinfo.address, ...fields });
      this.send(rejectSrtConclusion(c, reason, Date.now()), from);
    };
    if (this.pending.size >= LIMITS.srtMaxPendingHandshakes || (this.pendingPerIp.get(rinfo.address) ?? 0) >= LIMITS.srtMaxPendingPerAddress) {
      refuse(SRT_REJECT.overload, 'SRT_TOO_MANY_HANDSHAKES');
      return;
    }
    if (this.peers.size >= this.o.maxPeers) {
      refuse(SRT_REJECT.overload, 'SRT_TOO_MANY_PEERS', { peers: this.peers.size });
      return;
    }
    if (this.ctx.state.draining) {
      refuse(SRT_REJECT.down, 'SRT_DRAINING');
      return;
    }
    const refuseStreamId = (err: unknown): void => {
      const r = srtStreamIdRefusal(err instanceof ProtocolError || err instanceof StreamNameError ? err.code : 'SRT_BAD_STREAM_ID');
      // A stream id's own text may hold a password (s=pw,rest splits it): only path errors are quoted.
      refuse(r.reject, r.code, { reason: r.reason, ...(err instanceof StreamNameError ? { message: err.message } : {}) });
    };
    let request: SrtStreamRequest;
    try {
      request = parseSrtStreamId(c.streamId);
    } catch (err) {
      refuseStreamId(err);
      return;
    }
    // The one canonical APP/STREAM identity every protocol uses (case folded, segments checked).
    const { name, query } = splitQuery(request.path);
    let target: StreamIdentity;
    try {
      target = canonicalStream(name);
    } catch (err) {
      if (!(err instanceof StreamNameError)) throw err;
      refuseStreamId(err);
      return;
    }
    const { app, stream } = target;
    // A user without a password proves it by the key material, wrapped with that password.
    const userOnly = namesUserOnly(request);
    const userKeys = userOnly && c.km !== undefined ? new SrtUserKeys(c.km, this.keyDerivations, rinfo.address) : undefined;
    if (userOnly && (userKeys === undefined || this.ctx.authorizer === undefined)) {
      refuse(SRT_REJECT.unsecure, 'SRT_PASSPHRASE_NEEDED', { reason: 'a stream id naming a user without a password needs that password as the SRT passphrase (and auth on)' });
      return;
    }
    const entry: Pending = { ip: rinfo.address, expiresAt: now + 30_000 };
    this.pending.set(key, entry);
    this.pendingPerIp.set(rinfo.address, (this.pendingPerIp.get(rinfo.address) ?? 0) + 1);
    const action = request.mode;
    const authRequest: AuthorizeRequest = {
      action,
      protocol: 'srt',
      app,
      stream: query ? `${stream}?${query}` : stream,
      ip: rinfo.address,
      credentials:
        request.user === undefined
          ? { kind: 'none' }
          : userKeys !== undefined
            ? userKeys.credentials(request.user)
            : { kind: 'password', user: request.user, password: request.password!, source: 'srt-stream-id' },
    };
    const authorizer = this.ctx.authorizer;
    const decided: Promise<AuthDecision | undefined> = authorizer ? authorizer.authorize(authRequest) : Promise.resolve(undefined);
    void decided.then(
      (decision) => {
        if (this.socket === undefined || this.closing) {
          this.dropPending(key);
          return;
        }
        if (decision !== undefined && !decision.allowed) {
          const reason = srtRejectReason(decision.reason);
          entry.reply = rejectSrtConclusion(c, reason, Date.now());
          entry.expiresAt = performance.now() + this.o.rejectMemoryMs;
          this.counters.refused++;
          this.log.info('srt.refused', { code: 'SRT_AUTH_DENIED', reject: reason, reason: decision.reason, action, app, stream, user: request.user, remote: rinfo.address });
          this.send(entry.reply, from);
          return;
        }
        const verified = userKeys?.keys;
        if (userKeys !== undefined && verified === undefined) {
          // Allowed without the proof being checked (an open play): nothing unwrapped the caller's keys.
          this.dropPending(key);
          refuse(SRT_REJECT.unsecure, 'SRT_PASSPHRASE_UNCHECKED', { reason: "a user's password is looked up only for an authenticated action: players need STREAMGATE_PLAY_AUTH=required (or the password in the stream id)" });
          return;
        }
        const ready: OpenConclusion = verified === undefined ? c : { ...c, keys: verified.keys, passphrase: verified.passphrase };
        const cluster = this.ctx.cluster;
        if (action === 'play' && cluster !== undefined && !this.ctx.hub.isLive(`${app}/${stream}`)) {
          // A stream another task owns is pulled here first (an edge pull); the handshake waits.
          void cluster.ensureLive(`${app}/${stream}`).then(
            () => {
              this.dropPending(key);
              if (this.socket === undefined || this.closing) return;
              this.open(ready, rinfo, key, action, app, stream, decision, authRequest);
            },
            (err: unknown) => {
              this.dropPending(key);
              this.log.error('srt.internal-error', { err });
            },
          );
          return;
        }
        if (action !== 'publish' || cluster === undefined) {
          this.dropPending(key);
          this.open(ready, rinfo, key, action, app, stream, decision, authRequest);
          return;
        }
        // In a cluster the stream's lease comes first (a store round trip): the handshake stays
        // pending meanwhile, and a repeated conclusion is ignored as while auth is decided.
        const claim: SrtClaim = { id: this.ctx.registry.nextId(), result: undefined as unknown as ClaimResult, peer: undefined, kicked: undefined };
        const info = this.publisherInfo(claim, rinfo.address, decision);
        void cluster.claim(`${app}/${stream}`, info).then(
          (result) => {
            claim.result = result;
            if (this.socket === undefined || this.closing) {
              if (result.ok) result.publication.end();
              this.dropPending(key);
              return;
            }
            this.dropPending(key);
            this.open(ready, rinfo, key, action, app, stream, decision, authRequest, claim);
          },
          (err: unknown) => {
            this.dropPending(key);
            this.log.error('srt.internal-error', { err });
          },
        );
      },
      (err: unknown) => {
        this.dropPending(key);
        this.log.error('srt.internal-error', { err });
      },
    );
  }

  private dropPending(key: string): void {
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    const n = (this.pendingPerIp.get(p.ip) ?? 1) - 1;
    if (n <= 0) this.pendingPerIp.delete(p.ip);
    else this.pendingPerIp.set(p.ip, n);
  }

  private open(
    c: OpenConclusion,
    rinfo: RemoteInfo,
    key: string,
    action: 'publish' | 'play',
    app: string,
    stream: string,
    decision: AuthDecision | undefined,
    authRequest: AuthorizeRequest,
    claimed?: SrtClaim,
  ): void {
    const from = { address: rinfo.address, port: rinfo.port };
    const path = `${app}/${stream}`;
    const refuse = (reason: number, code: string): void => {
      this.counters.refused++;
      this.log.info('srt.refused', { code, reject: reason, action, app, stream, remote: rinfo.address });
      this.send(rejectSrtConclusion(c, reason, Date.now()), from);
    };
    if (action === 'play' && !this.ctx.hub.isLive(path)) {
      refuse(SRT_REJECT.notFound, 'SRT_STREAM_NOT_LIVE');
      return;
    }
    let socketId = randomInt(1, 0x7fffffff);
    while (this.peers.has(socketId)) socketId = randomInt(1, 0x7fffffff);
    const claim: SrtClaim = claimed ?? { id: this.ctx.registry.nextId(), result: undefined as unknown as ClaimResult, peer: undefined, kicked: undefined };
    if (action === 'publish' && claimed === undefined) {
      claim.result = claimStream(this.ctx, path, this.publisherInfo(claim, rinfo.address, decision)) as ClaimResult;
    }
    if (action === 'publish') {
      const result = claim.result;
      if (!result.ok) {
        if (result.reason === 'registry-unavailable') refuse(SRT_REJECT.down, 'SRT_REGISTRY_UNAVAILABLE');
        else refuse(SRT_REJECT.conflict, 'SRT_STREAM_BUSY');
        return;
      }
      if (claim.kicked !== undefined) {
        // Replaced (the same user again) while the handshake was still being answered.
        result.publication.end();
        refuse(SRT_REJECT.conflict, 'SRT_STREAM_BUSY');
        return;
      }
      if (result.replaced !== undefined) this.log.info('srt.publish-replaces', { path, replaced: result.replaced });
    }
    const id = claim.id;
    const now = performance.now();
    // The listener's passphrase, or the user's own (its password) for a user-keyed caller.
    const passphrase = c.passphrase ?? this.listener.passphrase;
    const accepted = acceptSrtConclusion(c, socketId, from, Date.now(), this.listener);
    const conn = new SrtConnection({
      socketId,
      peerSocketId: c.peerSocketId,
      initialSeq: c.initialSeq,
      recvLatencyMs: accepted.recvLatencyMs,
      sendLatencyMs: accepted.sendLatencyMs,
      peerFlowWindow: accepted.flowWindow,
      windowPackets: this.o.windowPackets,
      maxReceiveBytes: this.o.windowPackets * MAX_PAYLOAD,
      sharedBudget: this.budget,
      ...(c.keys
        ? {
            cipher: new SrtPayloadCipher(c.keys),
            passphrase: passphrase!,
            kek: (salt: Uint8Array, keyLength: number) => this.keyDerivations.kek(passphrase!, salt, keyLength, rinfo.address, Date.now()),
            keyRefresh: this.o.keyRefresh,
          }
        : {}),
      peerIdleTimeoutMs: this.o.peerIdleTimeoutMs,
      sendBytesPerSecond: this.o.sendBytesPerSecond,
      start: now,
    });
    const log = this.ctx.log.child({ conn: id, protocol: 'srt', remote: rinfo.address });
    const peer: Peer = {
      id,
      socketId,
      key,
      address: rinfo.address,
      port: rinfo.port,
      conn,
      acceptPacket: accepted.packet,
      log,
      startedAt: Date.now(),
      bytesIn: 0,
      bytesOut: 0,
      role: undefined,
      closed: false,
      entry: undefined as unknown as ConnectionEntry,
    };
    const entry: ConnectionEntry = {
      id,
      protocol: 'srt',
      remoteAddress: rinfo.address,
      since: peer.startedAt,
      role: action === 'publish' ? 'publisher' : 'player',
      app,
      stream,
      ...(decision?.user !== undefined ? { user: decision.user } : {}),
      bytesIn: () => peer.bytesIn,
      bytesOut: () => peer.bytesOut,
      kick: (reason) => this.closePeer(peer, 'kicked', true, { reason }),
    };
    (peer as { entry: ConnectionEntry }).entry = entry;
    if (action === 'publish') {
      const result = claim.result as Extract<ClaimResult, { ok: true }>;
      claim.peer = peer;
      const publication = new SrtTsPublication(result.publication);
      peer.role = {
        onPayload: (payload) => publication.push(payload),
        onTick: () => undefined,
        end: () => {
          publication.end();
          return { frames: publication.frames, ...publication.damage() };
        },
      };
    } else {
      peer.role = this.playerRole(peer, path);
    }
    this.peers.set(socketId, peer);
    this.accepted++;
    this.byCaller.set(key, peer);
    this.ctx.registry.add(entry);
    this.send(accepted.packet, from);
    log.info(action === 'publish' ? 'srt.publish' : 'srt.play', {
      app,
      stream,
      user: decision?.user,
      latencyMs: accepted.recvLatencyMs,
      peerLatencyMs: accepted.sendLatencyMs,
      encrypted: c.keys !== undefined,
      mtu: accepted.mtu,
    });
    this.watch(peer, decision, authRequest);
  }

  /** The hub's view of an SRT publisher; a kick before its peer exists is remembered. */
  private publisherInfo(claim: SrtClaim, address: string, decision: AuthDecision | undefined): PublisherInfo {
    return {
      id: claim.id,
      protocol: 'srt',
      remoteAddress: address,
      ...(decision?.user !== undefined ? { user: decision.user } : {}),
      kick: (reason) => {
        if (claim.peer !== undefined) this.closePeer(claim.peer, 'kicked', true, { reason });
        else claim.kicked = reason;
      },
    };
  }

  private playerRole(peer: Peer, path: string): PeerRole {
    const ts = new SrtTsPlayer();
    let blocked = false;
    let sub: Subscription | undefined;
    sub = this.ctx.hub.subscribe(path, {
      id: peer.id,
      protocol: 'srt',
      // What the send queue keeps (for pacing and retransmission) is the muxer's TS, a copy.
      keepsNoFrameViews: true,
      onPublish: () => undefined,
      write: (frames) => {
        if (peer.closed) return true;
        const now = performance.now();
        let ok = true;
        for (const m of ts.push(frames)) ok = peer.conn.send(m, now) && ok;
        this.flush(peer);
        // Full queue: the hub holds back (bounded, skipping to a keyframe) until we resume.
        if (!ok || peer.conn.queuedPackets > this.o.windowPackets / 2) blocked = true;
        return !blocked;
      },
      // One TS stream per publish, as HTTP-FLV: the player reconnects for the next one.
      onUnpublish: () => this.closePeer(peer, 'unpublished', true),
      onEnd: (reason) => {
        sub = undefined;
        this.closePeer(peer, reason, true);
      },
    });
    return {
      onPayload: () => undefined,
      onTick: () => {
        if (blocked && peer.conn.queuedPackets < this.o.windowPackets / 4) {
          blocked = false;
          sub?.resume();
        }
      },
      end: () => {
        sub?.close();
        sub = undefined;
        return {};
      },
    };
  }

  /** Re-checks a live session's grant when its answer expires (revocation within the ACL TTL). */
  private watch(peer: Peer, decision: AuthDecision | undefined, request: AuthorizeRequest): void {
    const authorizer = this.ctx.authorizer;
    if (!authorizer || !decision?.recheckAtMs) return;
    const arm = (at: number): void => {
      peer.recheck = setTimeout(() => {
        void authorizer.recheck(request).then((d) => {
          if (peer.closed) return;
          if (!d.allowed && d.reason !== 'timeout' && d.reason !== 'service_unavailable') {
            peer.log.info('srt.revoked', { reason: d.reason, user: d.user });
            this.closePeer(peer, 'revoked', true);
          } else arm(d.recheckAtMs ?? Date.now() + 30_000);
        });
      }, Math.max(1000, at - Date.now()));
      peer.recheck.unref();
    };
    arm(decision.recheckAtMs);
  }

  private tick(): void {
    const now = performance.now();
    for (const peer of this.peers.values()) {
      try {
        peer.conn.tick(now);
      } catch (err) {
        this.failPeer(peer, err);
        continue;
      }
      this.flush(peer);
      if (peer.closed) continue;
      if (peer.conn.closed) {
        this.closePeer(peer, peer.conn.closed, false);
        continue;
      }
      peer.role?.onTick();
    }
    for (const [key, p] of this.pending) if (p.reply !== undefined && p.expiresAt <= now) this.dropPending(key);
  }

  /** Sends what the connection produced and hands what arrived to the role. */
  private flush(peer: Peer): void {
    const out = peer.conn.take();
    for (const packet of out.packets) {
      peer.bytesOut += packet.length;
      this.send(packet, peer);
    }
    if (peer.closed) return;
    try {
      for (const payload of out.payloads) peer.role?.onPayload(payload);
    } catch (err) {
      this.failPeer(peer, err);
      return;
    }
    if (peer.conn.closed) this.closePeer(peer, peer.conn.closed, false);
  }

  private failPeer(peer: Peer, err: unknown): void {
    if (err instanceof ProtocolError) {
      peer.log.warn('srt.protocol-error', { code: err.code, message: err.message });
      this.closePeer(peer, 'protocol-error', true, { code: err.code });
    } else {
      peer.log.error('srt.internal-error', { err });
      this.closePeer(peer, 'internal-error', true);
    }
  }

  private closePeer(peer: Peer, reason: string, notify: boolean, fields: Record<string, unknown> = {}): void {
    if (peer.closed) return;
    peer.closed = true;
    if (peer.recheck) clearTimeout(peer.recheck);
    if (notify) {
      peer.conn.shutdown(performance.now());
      for (const packet of peer.conn.take().packets) this.send(packet, peer);
    }
    peer.conn.release();
    queueMicrotask(() => this.closeIfIdle());
    this.peers.delete(peer.socketId);
    this.byCaller.delete(peer.key);
    this.ctx.registry.remove(peer.id);
    let roleFields: Record<string, unknown> = {};
    try {
      roleFields = peer.role?.end() ?? {};
    } catch (err) {
      peer.log.error('srt.internal-error', { err });
    }
    addPeer(this.closedTotals, peer);
    const s = peer.conn.stats;
    peer.log.info('connection.close', {
      reason,
      ...fields,
      app: peer.entry.app,
      stream: peer.entry.stream,
      role: peer.entry.role,
      bytesIn: peer.bytesIn,
      bytesOut: peer.bytesOut,
      durationMs: Date.now() - peer.startedAt,
      rttMs: Math.round(s.rttMs * 10) / 10,
      received: s.receiver.received,
      lost: s.receiver.lost,
      recovered: s.receiver.recovered,
      dropped: s.receiver.dropped,
      overflow: s.receiver.overflow,
      sent: s.sender.sent,
      retransmitted: s.sender.retransmitted,
      sendDropped: s.sender.dropped,
      undecryptable: s.undecryptable,
      ...(s.keySwitches > 0 ? { keySwitches: s.keySwitches } : {}),
      ...roleFields,
    });
  }

  private send(packet: Uint8Array, to: { address: string; port: number }): void {
    this.socket?.send(packet, to.port, to.address);
  }
}
