import type { Duplex } from 'node:stream';
import type { ConnectionPendingBytes, PendingBytesBudget } from '#ingest/protocols/pending-bytes-budget.js';
import { rtmpPlayerEncoder } from './rtmp-player-encoder.js';
import { playerReadsOpus } from '#ingest/protocols/rtmp/player-reads-opus.js';
import type { DirectSocketWriter } from '../direct-socket-write.js';
import { readIntoSharedBuffer } from '../shared-read-buffer.js';
import { RtmpServerSession, type RtmpSessionEvent } from '#ingest/protocols/rtmp/rtmp-server-session.js';
import type { Hub, Publication } from '#ingest/hub/hub.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import type { ReaderEndReason } from '#ingest/hub/reader-sink.js';
import { RtmpPlay, type RtmpPlayOwner } from './rtmp-play.js';
import type { Logger } from '#domain/logger.js';
import type { ConnectionEntry, ConnectionRegistry } from '../connection-registry.js';
import { TrackedConnection } from '../tracked-connection.js';
import { IdleDeadline } from '../idle-deadline.js';
import { invalidNameReason, splitQuery } from '../stream-name.js';
import { publishStream } from '../publish-stream.js';
import type { ClusterNode } from '#ingest/cluster/cluster-node.js';
import { canonicalStream, StreamNameError, type StreamIdentity } from '#domain/canonical-stream.js';
import type { RtmpAccessControl, StreamRequest } from './rtmp-access-control.js';

/** Settings of an RTMP connection (from IngestConfig). */
export interface RtmpConnectionOptions {
  readonly protocol: 'rtmp' | 'rtmps' | 'rtmpt';
  readonly chunkSize: number;
  readonly handshakeTimeoutMs: number;
  readonly idleTimeoutMs: number;
}

/** What an RTMP connection needs from the rest of the ingest. */
export interface RtmpConnectionDeps {
  readonly hub: Hub;
  readonly registry: ConnectionRegistry;
  readonly log: Logger;
  readonly access: RtmpAccessControl;
  /** The process-wide budget for partially received data; the connection opens its account there. */
  readonly pendingBytes: PendingBytesBudget;
  readonly cluster?: ClusterNode;
}

interface PublishState {
  readonly streamId: number;
  readonly path: string;
  readonly publication: Publication;
}

/**
 * One RTMP connection over any byte stream (TCP, TLS, the RTMPT tunnel): feeds the sans-I/O
 * session, asks access control and the hub, and writes shared, pre-chunked media to the socket.
 */
export class RtmpConnection implements RtmpPlayOwner {
  readonly id: string;
  private readonly session: RtmpServerSession;
  private readonly log: Logger;
  /** Registry entry, logger, byte counters, fail and close. */
  private readonly conn: TrackedConnection;
  private readonly entry: ConnectionEntry;
  private app: string | undefined;
  private appQuery = '';
  /** The player announced Enhanced RTMP Opus audio in its connect (playerReadsOpus). */
  private readsOpus = false;
  private user: string | undefined;
  private credentials: unknown;
  /** Stops re-checking grants of live publishes. */
  private readonly unwatch: (() => void)[] = [];
  private readonly publishing = new Map<number, PublishState>();
  private readonly playing = new Map<number, RtmpPlay>();
  /** Media of the shared tick goes out through this (one write(2) when nothing is queued). */
  private readonly direct: DirectSocketWriter;
  /**
   * The handshake deadline: it runs until a publish or play is allowed, so a connection that is
   * authorized for nothing (connect accepted or not) cannot stay open by sending a little now
   * and then.
   */
  private handshakeTimer: NodeJS.Timeout | undefined;
  /**
   * Closes a connection that sends nothing for idleTimeoutMs while it plays nothing. Only for
   * sockets (TCP, TLS): the RTMPT tunnel's sessions have their own idle bound.
   */
  private readonly idle: IdleDeadline | undefined;
  /** Half-received messages and queued commands: small bounds until a publish is allowed. */
  private readonly pendingBytes: ConnectionPendingBytes;
  /** Serializes async decisions so events are handled in wire order. */
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: Duplex,
    readonly remoteAddress: string,
    private readonly options: RtmpConnectionOptions,
    private readonly deps: RtmpConnectionDeps,
  ) {
    this.conn = new TrackedConnection({
      registry: deps.registry,
      log: deps.log,
      protocol: options.protocol,
      events: 'rtmp',
      socket,
      remoteAddress,
      kick: (reason) => {
        // Drain: a publisher hears its stream ended before the socket goes (an encoder then reports "stream ended", not a network error).
        if (reason === 'shutdown') for (const id of [...this.publishing.keys()]) this.stopPublishing(id, true);
        this.close('kicked', { reason });
      },
      release: () => this.release(),
    });
    this.id = this.conn.id;
    this.log = this.conn.log;
    this.entry = this.conn.entry;
    this.direct = this.conn.directWriter(true);
    this.pendingBytes = deps.pendingBytes.open();
    this.session = new RtmpServerSession({
      send: (data) => this.write(data),
      onEvent: (event) => this.enqueue(event),
      outChunkSize: options.chunkSize,
      pending: this.pendingBytes,
    });
    this.log.debug('connection.open');

    this.handshakeTimer = setTimeout(() => this.close('handshake-timeout', { connected: this.app !== undefined }), options.handshakeTimeoutMs);
    this.handshakeTimer.unref();
    // Plain TCP: reads land in one shared buffer instead of 'data' events (the session copies what it keeps).
    const onData = (chunk: Buffer): void => this.onData(chunk);
    if (!readIntoSharedBuffer(socket, onData)) socket.on('data', onData);
    socket.on('error', (err) => this.close('socket-error', { err }));
    socket.on('close', () => this.close('peer-closed'));
    socket.on('end', () => this.close('peer-ended'));
    this.idle =
      typeof (socket as Duplex & { setTimeout?: unknown }).setTimeout === 'function'
        ? new IdleDeadline(() => {
            if (this.playing.size === 0) this.close('idle-timeout');
          })
        : undefined;
    socket.on('drain', () => {
      for (const p of this.playing.values()) p.sub?.resume();
    });
  }

  /** Whether a publish of this connection was allowed and is live. */
  get isPublishing(): boolean {
    return this.publishing.size > 0;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.conn.bytesIn += chunk.byteLength;
    this.idle?.touch();
    const hub = this.deps.hub;
    // The frames of this read reach the players at its end, not in a later loop turn.
    hub.beginInput();
    try {
      // batched() without its closure: this runs for every read of every publisher
      this.socket.cork();
      try {
        this.session.feed(chunk);
      } finally {
        this.socket.uncork();
      }
    } catch (err) {
      this.fail(err);
    } finally {
      hub.endInput();
    }
  }

  /**
   * Runs `send` with the socket corked: every message the session writes in it (the four of a
   * connect answer, the three of a play start, the answers to one read) leaves in one vectored
   * write, so the peer gets one segment instead of several (connect answer time, bench/connect-trace.ts).
   */
  private batched(send: () => void): void {
    this.socket.cork();
    try {
      send();
    } finally {
      this.socket.uncork();
    }
  }

  private get closed(): boolean {
    return this.conn.closed;
  }

  private fail(err: unknown): void {
    this.conn.fail(err);
  }

  private write(data: Uint8Array): boolean {
    return this.conn.write(data);
  }

  private enqueue(event: RtmpSessionEvent): void {
    // Media frames of an accepted publish go straight to the hub; everything else may wait for an
    // auth decision, and later events queue behind it to keep wire order.
    if (event.type === 'frame') {
      const pub = this.publishing.get(event.streamId);
      if (pub) pub.publication.push(event.frame);
      return;
    }
    this.pending = this.pending
      .then(() => (this.closed ? undefined : this.handle(event)))
      // acceptConnect replays commands queued during the decision, so it can throw a ProtocolError.
      .catch((err: unknown) => this.fail(err));
  }

  private async handle(event: RtmpSessionEvent): Promise<void> {
    switch (event.type) {
      case 'connect':
        return this.onConnect(event);
      case 'publish':
        return this.onPublish(event);
      case 'play':
        return this.onPlay(event);
      case 'unpublish':
        return this.stopPublishing(event.streamId, true);
      case 'stop-play':
        return this.stopPlaying(event.streamId);
      case 'receive-media': {
        const p = this.playing.get(event.streamId);
        if (p) {
          if (event.audio !== undefined) p.audio = event.audio;
          if (event.video !== undefined) p.video = event.video;
          p.encoder = undefined;
        }
        return;
      }
      case 'frame':
        return;
    }
  }

  private async onConnect(event: Extract<RtmpSessionEvent, { type: 'connect' }>): Promise<void> {
    const { name: app, query } = splitQuery(event.app);
    const bad = invalidNameReason(app);
    if (bad) {
      this.log.warn('rtmp.connect-rejected', { app, reason: bad });
      this.batched(() => this.session.rejectConnect(event.transactionId, `Invalid application name: ${bad}`));
      this.closeSoon('bad-app');
      return;
    }
    const verdict = await this.deps.access.connect({
      app,
      rawApp: event.app,
      tcUrl: event.tcUrl,
      commandObject: event.commandObject,
      remoteAddress: this.remoteAddress,
      protocol: this.options.protocol,
    });
    if (this.closed) return;
    if (!verdict.ok) {
      this.batched(() => this.session.rejectConnect(event.transactionId, verdict.description));
      this.closeSoon('connect-rejected');
      return;
    }
    this.app = app;
    this.appQuery = query;
    this.readsOpus = playerReadsOpus(event.commandObject);
    this.user = verdict.user;
    this.credentials = verdict.credentials;
    this.entry.app = app;
    this.entry.user = verdict.user;
    this.batched(() => this.session.acceptConnect(event.transactionId));
    this.log.info('rtmp.connect', { app, user: verdict.user, flashVer: event.commandObject.flashVer });
    this.armIdleTimeout();
  }

  /** Arms (or with 0 stops) the inactivity deadline. */
  private armIdleTimeout(ms = this.options.idleTimeoutMs): void {
    // A connection that neither publishes nor plays and sends nothing is idle; a publisher that
    // goes quiet is half-open. Players are bounded by the hub's slow-reader deadline instead.
    this.idle?.set(ms);
  }

  /**
   * While playing, the deadline is off: a player is bounded by the hub's slow-reader deadline
   * (and may send nothing for long). It comes back when the last play stops.
   */
  private pauseIdleTimeout(): void {
    if (this.playing.size === 1) this.armIdleTimeout(0);
  }

  private async onPublish(event: Extract<RtmpSessionEvent, { type: 'publish' }>): Promise<void> {
    const { name, query } = splitQuery(event.name);
    const id = this.identityOf(name);
    if (typeof id === 'string') {
      this.session.rejectPublish(event.streamId, 'NetStream.Publish.BadName', `Invalid stream name: ${id}`);
      this.closeSoon('bad-stream-name');
      return;
    }
    // The hub and the logs use the canonical identity; the authorizer is given the pair as sent
    // (its denial text quotes the client's name) and makes the same identity of it.
    const { app, stream, path } = id;
    const started = Date.now();
    const decision = await this.deps.access.publish(this.streamRequest(this.app!, name, query));
    if (this.closed) return;
    if (!decision.ok) {
      this.session.rejectPublish(event.streamId, decision.code, decision.description);
      this.log.info('rtmp.publish-denied', { app, stream, path, code: decision.code });
      this.closeSoon('publish-denied');
      return;
    }
    const user = decision.user ?? this.user;
    const info = {
      id: this.id,
      protocol: this.options.protocol,
      remoteAddress: this.remoteAddress,
      user,
      kick: (reason: string) => this.close('kicked', { reason }),
    };
    const result = await publishStream(this.deps, path, info);
    if (result.ok && this.closed) {
      result.publication.end();
      return;
    }
    if (result.ok && result.replaced !== undefined) this.log.info('rtmp.publish-replaces', { app, stream, path, replaced: result.replaced });
    if (!result.ok) {
      this.session.rejectPublish(event.streamId, 'NetStream.Publish.BadName', `Stream already publishing: ${name}`);
      this.log.info('rtmp.publish-busy', { app, stream, path, holder: result.current.id });
      this.closeSoon('stream-busy');
      return;
    }
    this.authorized();
    this.pendingBytes.authorize();
    this.session.authorizeInput();
    this.publishing.set(event.streamId, { streamId: event.streamId, path, publication: result.publication });
    this.entry.role = 'publisher';
    this.entry.app = app;
    this.entry.stream = stream;
    this.batched(() => this.session.acceptPublish(event.streamId, name));
    this.log.info('rtmp.publish', { app, stream, path, user, publishType: event.publishType, decisionMs: Date.now() - started });
    const unwatch = decision.watch?.((reason) => {
      this.log.info('rtmp.publish-revoked', { app, stream, path, user, reason });
      this.stopPublishing(event.streamId, false);
      this.session.sendStatus(event.streamId, 'error', 'NetStream.Publish.Denied', reason);
      this.closeSoon('revoked');
    });
    if (unwatch) this.unwatch.push(unwatch);
  }

  private async onPlay(event: Extract<RtmpSessionEvent, { type: 'play' }>): Promise<void> {
    const { name, query } = splitQuery(event.name);
    const id = this.identityOf(name);
    if (typeof id === 'string') {
      this.session.rejectPlay(event.streamId, 'NetStream.Play.StreamNotFound', `Invalid stream name: ${id}`);
      return;
    }
    const { app, stream, path } = id;
    const decision = await this.deps.access.play(this.streamRequest(this.app!, name, query));
    if (this.closed) return;
    if (!decision.ok) {
      this.session.rejectPlay(event.streamId, 'NetStream.Play.Failed', decision.description);
      this.closeSoon('play-denied');
      return;
    }
    this.authorized();
    this.stopPlaying(event.streamId);
    const live = this.deps.hub.isLive(path);
    const play = new RtmpPlay(this.id, this.options.protocol, event.streamId, name, path, live, this.direct, this);
    this.playing.set(event.streamId, play);
    this.pauseIdleTimeout();
    this.entry.role ??= 'player';
    if (this.entry.stream === undefined) {
      this.entry.app = app;
      this.entry.stream = stream;
    }
    this.batched(() => this.session.startPlay(event.streamId, name, { reset: event.reset }));
    this.log.info('rtmp.play', { app, stream, path, live });
    play.sub = this.deps.hub.subscribe(path, play);
  }

  /** A publish or play was allowed: the handshake deadline no longer applies. */
  private authorized(): void {
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
  }

  /** The canonical identity of `name` played or published in this connection's app, or why there is none. */
  private identityOf(name: string): StreamIdentity | string {
    const bad = invalidNameReason(name);
    if (bad) return bad;
    try {
      return canonicalStream(this.app!, name);
    } catch (err) {
      if (err instanceof StreamNameError) return err.code;
      throw err;
    }
  }

  private streamRequest(app: string, stream: string, streamQuery: string): StreamRequest {
    return {
      app,
      appQuery: this.appQuery,
      stream,
      streamQuery,
      credentials: this.credentials,
      remoteAddress: this.remoteAddress,
      protocol: this.options.protocol,
    };
  }

  private logOmission(play: RtmpPlay, codec: 'opus'): void {
    play.omissionLogged = true;
    this.log.info('rtmp.play-audio-omitted', {
      path: play.path,
      codec,
      reason: 'the player did not announce Opus (no Enhanced RTMP fourCcList/audioFourCcInfoMap in its connect): it gets the video only',
    });
  }

  /** Frames for one play: its own batch (catching up), or a shared one off the hot path of `RtmpPlay.write`. */
  writePlayFrames(play: RtmpPlay, frames: readonly MediaFrame[], shared: boolean): boolean {
    if (this.closed || this.socket.destroyed) return true;
    const encoder = (play.encoder ??= rtmpPlayerEncoder(this.session.outChunkSize, play.streamId, play.audio, play.video, this.readsOpus));
    // Said once, a tick after the encoder first left a frame out (one comparison per tick).
    if (encoder.omittedAudio !== undefined && !play.omissionLogged) this.logOmission(play, encoder.omittedAudio);
    // Straight to the kernel when nothing is queued (see DirectSocketWriter); for a shared batch
    // its answer says whether the buffer is full.
    const parts = shared ? encoder.batchParts(frames) : encoder.parts(frames);
    if (parts.length === 0) return !this.socket.writableNeedDrain;
    const ok = this.direct.writeAll(parts);
    return shared ? ok : !this.socket.writableNeedDrain;
  }

  /** The play's stream has a publisher (now, or again). */
  playPublished(play: RtmpPlay, republish: boolean): void {
    // A player that had to wait for the publisher (or sees it come back) is told it is live again.
    if (this.closed || (!republish && play.liveAtPlay)) return;
    this.session.sendStatus(play.streamId, 'status', 'NetStream.Play.PublishNotify', `${play.name} is now published.`);
  }

  /** The play's publisher left; the play stays subscribed. */
  playUnpublished(play: RtmpPlay): void {
    if (this.closed) return;
    this.session.sendStatus(play.streamId, 'status', 'NetStream.Play.UnpublishNotify', `${play.name} is now unpublished.`);
    this.session.sendStreamEof(play.streamId);
  }

  /** The hub ended the play's reader: the connection goes with it. */
  playEnded(play: RtmpPlay, reason: ReaderEndReason): void {
    this.log.info('rtmp.play-ended', { path: play.path, reason });
    if (reason === 'wait-timeout') {
      this.session.sendStatus(play.streamId, 'status', 'NetStream.Play.Stop', `${play.name} was not published in time.`);
    }
    this.close(reason);
  }

  private stopPublishing(streamId: number, notify: boolean): void {
    const pub = this.publishing.get(streamId);
    if (!pub) return;
    this.publishing.delete(streamId);
    pub.publication.end();
    if (notify && !this.closed) {
      this.session.sendStatus(streamId, 'status', 'NetStream.Unpublish.Success', `${pub.path} is now unpublished.`);
    }
    this.log.info('rtmp.unpublish', { path: pub.path });
  }

  private stopPlaying(streamId: number): void {
    const p = this.playing.get(streamId);
    if (!p) return;
    this.playing.delete(streamId);
    p.sub?.close();
    if (this.playing.size === 0 && !this.closed) this.armIdleTimeout();
  }

  /** Lets the last answer reach the peer, then closes. */
  private closeSoon(reason: string): void {
    this.conn.closeSoon(reason);
  }

  /** Closes the connection and releases its streams (idempotent). */
  close(reason: string, fields: Record<string, unknown> = {}): void {
    this.conn.close(reason, fields);
  }

  private release(): undefined {
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.idle?.stop();
    for (const stop of this.unwatch) stop();
    for (const id of [...this.publishing.keys()]) this.stopPublishing(id, false);
    for (const id of [...this.playing.keys()]) this.stopPlaying(id);
    this.session.close();
    this.pendingBytes.close();
    return undefined;
  }
}
