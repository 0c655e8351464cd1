import type { Socket } from 'node:net';
import type { Hub, Publication } from '#ingest/hub/hub.js';
import type { ClusterNode, ClaimResult } from '#ingest/cluster/cluster-node.js';
import { LIMITS } from '#ingest/protocols/limits.js';
import type { ConnectionPendingBytes, PendingBytesBudget } from '#ingest/protocols/pending-bytes-budget.js';
import { claimStream } from '../publish-stream.js';
import { canonicalStream, StreamNameError, type StreamIdentity } from '#domain/canonical-stream.js';
import type { Logger } from '#domain/logger.js';
import { frameByteLength, type MediaFrame } from '#ingest/media/media-frame.js';
import { ProtocolError } from '#ingest/protocols/protocol-error.js';
import type { ConnectionEntry, ConnectionRegistry } from '../connection-registry.js';
import { TrackedConnection } from '../tracked-connection.js';
import type { RawIngestInput, RawIngestOutput } from './raw-ingest-input.js';
import { RawInterleaver } from './raw-interleaver.js';
import { RawTimestampRebaser } from './raw-timestamp-rebaser.js';
import { invalidNameReason, splitQuery } from '../stream-name.js';

/** Settings of one raw ingest connection. */
export interface RawIngestOptions {
  readonly protocol: 'flv-tcp' | 'flv-relay' | 'ts-tcp';
  /** The listener's app (STREAMGATE_FLV_APP / STREAMGATE_TS_APP). */
  readonly app: string;
  /** Stream name when the input names none (STREAMGATE_RAW_DEFAULT_STREAM). */
  readonly defaultStream: string;
  readonly idleTimeoutMs: number;
  /**
   * Frames held while the input may still name its stream (past either bound the default
   * applies) and until the timeline start is known.
   */
  readonly maxHeldFrames?: number;
  readonly maxHeldBytes?: number;
  /** Media span (ms) after which held frames go out even if only one of audio and video came. */
  readonly maxHeldMs?: number;
  /** Re-order audio and video by decode time before the hub (MPEG-TS: loosely interleaved). */
  readonly interleave?: boolean;
  /** Least time between two damage reports of one connection. */
  readonly damageLogIntervalMs?: number;
}

/** What a raw ingest connection needs from the rest of the ingest. */
export interface RawIngestDeps {
  readonly hub: Hub;
  readonly registry: ConnectionRegistry;
  readonly log: Logger;
  readonly state: { readonly draining: boolean };
  /** Partial tags/PES and held frames count here: small until the stream is claimed. */
  readonly pendingBytes: PendingBytesBudget;
  /** In a cluster the stream's lease is taken before the hub accepts the publisher. */
  readonly cluster?: ClusterNode;
}

/** Defaults of the optional bounds in {@link RawIngestOptions}. */
export const RAW_INGEST_DEFAULTS = { maxHeldFrames: 64, maxHeldBytes: 4 * 1024 * 1024, maxHeldMs: 500, damageLogIntervalMs: 5000 } as const;

/**
 * Bytes (partial input + held frames) after which an input that has not named its stream gets
 * the default name: half the pre-auth bound, so one more socket read (≤ 64 KiB) still fits in it.
 */
const UNNAMED_MAX_BYTES = LIMITS.unauthorizedMaxPendingBytes / 2;

/**
 * One publisher over raw TCP (FLV or MPEG-TS, no credentials, no answers): feeds the socket's
 * bytes to its input, holds the first frames until the stream is named (bounded), claims
 * `APP/STREAM` in the hub and pushes frames on a timeline rebased to 0 at the earliest of the
 * first audio and video frames (held until both came, bounded by frames, bytes and media span). Bad input (a coded
 * ProtocolError), a busy path, idle time or the peer leaving close this connection only.
 */
export class RawIngestConnection {
  readonly id: string;
  readonly remoteAddress: string;
  private readonly log: Logger;
  /** Registry entry, logger, byte counters, fail and close. */
  private readonly conn: TrackedConnection;
  private readonly entry: ConnectionEntry;
  private readonly rebaser = new RawTimestampRebaser();
  private readonly interleaver: RawInterleaver | undefined;
  private readonly maxHeldFrames: number;
  private readonly maxHeldBytes: number;
  private readonly maxHeldMs: number;
  private readonly damageLogIntervalMs: number;
  private framesIn = 0;
  private held: MediaFrame[] = [];
  private heldBytes = 0;
  private named = false;
  private readonly pendingBytes: ConnectionPendingBytes;
  private countedBytes = 0;
  /** Held frames have gone out; later frames go straight to the hub. */
  private flowing = false;
  private stream: string | undefined;
  private publication: Publication | undefined;
  private lastDamage = '';
  private lastDamageLogAt = 0;

  constructor(
    private readonly socket: Socket,
    private readonly input: RawIngestInput,
    private readonly options: RawIngestOptions,
    private readonly deps: RawIngestDeps,
  ) {
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    this.conn = new TrackedConnection({
      registry: deps.registry,
      log: deps.log,
      protocol: options.protocol,
      events: 'raw',
      socket,
      remoteAddress: this.remoteAddress,
      app: options.app,
      release: () => this.release(),
    });
    this.id = this.conn.id;
    this.log = this.conn.log;
    this.entry = this.conn.entry;
    this.maxHeldFrames = options.maxHeldFrames ?? RAW_INGEST_DEFAULTS.maxHeldFrames;
    this.maxHeldBytes = options.maxHeldBytes ?? RAW_INGEST_DEFAULTS.maxHeldBytes;
    this.maxHeldMs = options.maxHeldMs ?? RAW_INGEST_DEFAULTS.maxHeldMs;
    this.damageLogIntervalMs = options.damageLogIntervalMs ?? RAW_INGEST_DEFAULTS.damageLogIntervalMs;
    this.interleaver = options.interleave ? new RawInterleaver() : undefined;
    this.pendingBytes = deps.pendingBytes.open();
    // The allow-listed address is what authorizes a raw source. An input that names its stream
    // in its first bytes (FLV: onMetaData is the first tag) is held to the pre-auth bound until
    // it has claimed one; MPEG-TS may show its SDT only after some media, so it is not.
    if (!input.namesFirst) this.pendingBytes.authorize();
    this.log.info('raw.connect', { app: options.app });
    // An encoder that stops sending is gone (half-open TCP): nothing else would notice.
    socket.setTimeout(options.idleTimeoutMs, () => this.close('idle-timeout'));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', (err) => this.close('socket-error', { err }));
    socket.on('close', () => this.close('peer-closed'));
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.conn.bytesIn += chunk.byteLength;
    this.run(() => this.input.push(chunk));
  }

  private onEnd(): void {
    if (this.closed) return;
    this.run(() => this.input.end());
    // Frames held for a name that never came still make a (short) publication.
    if (!this.closed && !this.named && this.held.length > 0) this.decideName(null, 'input ended before naming a stream');
    if (!this.closed) this.flow();
    this.close('peer-ended');
  }

  /** One read (or the input's end): its frames reach the players when it returns, not in a later loop turn. */
  private run(step: () => RawIngestOutput): void {
    const hub = this.deps.hub;
    hub.beginInput();
    try {
      this.accept(step());
      this.countPending();
      this.reportDamage(false);
    } catch (err) {
      this.fail(err);
    } finally {
      hub.endInput();
    }
  }

  private accept(out: RawIngestOutput): void {
    if (this.flowing) {
      for (const f of out.frames) this.push(f);
      return;
    }
    for (const f of out.frames) {
      this.held.push(f);
      this.heldBytes += frameByteLength(f);
    }
    const overBound =
      this.held.length > this.maxHeldFrames ||
      this.heldBytes > this.maxHeldBytes ||
      (!this.named && this.input.namesFirst === true && this.heldBytes + this.input.bufferedBytes() > UNNAMED_MAX_BYTES);
    if (!this.named) {
      if (out.streamName !== undefined) this.decideName(out.streamName, out.noNameReason);
      else if (overBound) this.decideName(null, `no stream name within ${this.held.length} frames (${this.heldBytes} bytes)`);
    }
    if (this.publication !== undefined && (overBound || this.timelineKnown())) this.flow();
  }

  /**
   * Counts what the input keeps (a partial tag or PES) and the held frames in the connection's
   * pending-bytes account, after each read: the pre-auth bound until the stream is claimed, the
   * publisher's after (PENDING_BYTES_LIMIT / PENDING_BYTES_BUDGET_EXHAUSTED close the connection).
   */
  private countPending(): void {
    const now = this.closed ? 0 : this.input.bufferedBytes() + this.heldBytes;
    this.pendingBytes.resize(this.countedBytes, now);
    this.countedBytes = now;
  }

  /** Whether the held frames show where the publication's timeline starts. */
  private timelineKnown(): boolean {
    let audio = false;
    let video = false;
    let first: number | undefined;
    let last: number | undefined;
    for (const f of this.held) {
      if (f.kind !== 'audio' && f.kind !== 'video') continue;
      if (f.kind === 'audio') audio = true;
      else video = true;
      first = Math.min(first ?? f.dts, f.dts);
      last = Math.max(last ?? f.dts, f.dts);
    }
    return (audio && video) || (first !== undefined && last! - first >= this.maxHeldMs);
  }

  /** Anchors the timeline on the held frames and sends them; later frames go straight through. */
  private flow(): void {
    if (this.flowing || this.publication === undefined) return;
    this.flowing = true;
    this.rebaser.anchor(this.held);
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const f of held) this.push(f);
  }

  private decideName(named: string | null, noNameReason: string | undefined): void {
    this.named = true;
    if (named === null) {
      this.log.warn('raw.no-stream-name', { reason: noNameReason ?? 'none given', stream: this.options.defaultStream });
    }
    const { name } = splitQuery(named ?? this.options.defaultStream);
    const bad = invalidNameReason(name);
    if (bad) {
      throw new ProtocolError('RAW_BAD_STREAM_NAME', `Invalid stream name ${JSON.stringify(name.slice(0, 200))}: ${bad}`);
    }
    if (this.deps.state.draining) {
      this.close('draining');
      return;
    }
    let id: StreamIdentity;
    try {
      id = canonicalStream(this.options.app, name);
    } catch (err) {
      if (err instanceof StreamNameError) throw new ProtocolError('RAW_BAD_STREAM_NAME', err.message, { cause: err });
      throw err;
    }
    const result = claimStream(this.deps, id.path, {
      id: this.id,
      protocol: this.options.protocol,
      remoteAddress: this.remoteAddress,
      kick: (reason) => this.close('kicked', { reason }),
    });
    if (!(result instanceof Promise)) {
      this.claimed(id, named, result);
      return;
    }
    // A cluster lease is a store round trip: read nothing more until it is decided.
    this.socket.pause();
    result.then(
      (r) => {
        if (this.closed) {
          if (r.ok) r.publication.end();
          return;
        }
        this.claimed(id, named, r);
        if (this.closed) return;
        if (this.timelineKnown() || this.held.length > this.maxHeldFrames || this.heldBytes > this.maxHeldBytes) this.flow();
        this.run(() => ({ frames: [] }));
        this.socket.resume();
      },
      (err: unknown) => this.fail(err),
    );
  }

  private claimed(id: StreamIdentity, named: string | null, result: ClaimResult): void {
    const { app, path } = id;
    if (!result.ok) {
      const code = result.reason === 'registry-unavailable' ? 'RAW_REGISTRY_UNAVAILABLE' : 'RAW_STREAM_BUSY';
      this.log.warn('raw.publish-busy', { code, app, stream: id.stream, path, holder: result.current.id });
      this.close('stream-busy', { code });
      return;
    }
    this.publication = result.publication;
    this.pendingBytes.authorize();
    this.stream = id.stream;
    this.entry.role = 'publisher';
    this.entry.app = app;
    this.entry.stream = id.stream;
    this.log.info('raw.publish', { app, stream: id.stream, path, nameSource: named === null ? 'default' : 'input', heldFrames: this.held.length });
  }

  private push(frame: MediaFrame): void {
    if (this.publication === undefined) return;
    this.framesIn++;
    if (this.interleaver === undefined) this.publication.push(this.rebaser.rebase(frame));
    else for (const f of this.interleaver.push(frame)) this.publication.push(this.rebaser.rebase(f));
  }

  /** Logs new damage counters at most once per interval (and always at close). */
  private reportDamage(final: boolean): void {
    const damage = this.input.damage?.();
    if (damage === undefined) return;
    const text = JSON.stringify(damage);
    if (text === this.lastDamage || Object.values(damage).every((n) => n === 0)) return;
    const now = Date.now();
    if (!final && now - this.lastDamageLogAt < this.damageLogIntervalMs) return;
    this.lastDamage = text;
    this.lastDamageLogAt = now;
    this.log.warn('raw.input-damage', { ...damage, stream: this.stream });
  }

  private get closed(): boolean {
    return this.conn.closed;
  }

  private fail(err: unknown): void {
    this.conn.fail(err);
  }

  /** Closes the connection and ends its publication (idempotent). */
  close(reason: string, fields: Record<string, unknown> = {}): void {
    this.conn.close(reason, fields);
  }

  private release(): Record<string, unknown> {
    if (this.publication !== undefined && this.interleaver !== undefined) {
      for (const f of this.interleaver.flush()) this.publication.push(this.rebaser.rebase(f));
    }
    this.publication?.end();
    this.held = [];
    this.heldBytes = 0;
    this.pendingBytes.close();
    this.reportDamage(true);
    return { timestampOffsetMs: this.rebaser.offset, frames: this.framesIn };
  }
}
