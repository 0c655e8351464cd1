import type { Hub, Publication } from '../hub/hub.js';
import type { PublisherInfo } from '../hub/publisher-info.js';
import type { Logger } from '#domain/logger.js';
import { parseRelayUrl } from '#domain/relay-url.js';
import { httpFlvSourceClient } from '../relay/http-flv-source-client.js';
import type { SourceClient } from '../relay/source-client.js';
import { type ClusterAnswer, clusterRequest } from './cluster-request.js';
import type { StreamLease, StreamRegistry } from './stream-registry.js';
import type { TaskDirectory, TaskEntry } from './task-directory.js';

/** Protocol name of an edge pull's publication in the hub (never served to other tasks). */
export const EDGE_PROTOCOL = 'edge';

/** Identity and timings of this task in the cluster. */
export interface ClusterNodeOptions {
  /** Unique per process start (a restarted task is a new owner). */
  readonly taskId: string;
  /** `host:port` other tasks reach this task's cluster pull listener on (set once it listens). */
  address: string;
  /** Bearer token of the cluster pull listener (shared by every task, never sent to players). */
  readonly token: string;
  /** How often an owner renews its leases; also how often waiting players' streams are looked up. */
  readonly heartbeatMs: number;
  /** An edge pull with no local reader this long is stopped. */
  readonly lingerMs: number;
  /** Bound on connecting to the owner and on a silent pull. */
  readonly pullTimeoutMs: number;
}

/** Result of {@link ClusterNode.claim}: the hub's answer, with a holder on another task when busy there. */
export type ClaimResult =
  | { readonly ok: true; readonly publication: Publication; readonly replaced?: string }
  | { readonly ok: false; readonly reason: 'already-publishing' | 'registry-unavailable'; readonly current: Pick<PublisherInfo, 'id' | 'user'> };

interface Owned {
  lease: StreamLease;
  readonly info: PublisherInfo;
  readonly timer: NodeJS.Timeout;
}

interface EdgePull {
  readonly lease: StreamLease;
  readonly source: SourceClient;
  publication: Publication | undefined;
  idleSince: number | undefined;
}

/** Bytes of an HLS answer fetched from an owner (playlists are small; segments of 2 s are < 2 MB). */
const MAX_HLS_PROXY_BYTES = 16 * 1024 * 1024;
/** HLS segments of other owners kept per stream (a few target durations of what players ask next). */
const HLS_SEGMENT_CACHE = 8;
/** Heartbeats between two announces of this task in the directory (an entry lives three announces). */
const ANNOUNCE_EVERY = 5;

/**
 * This task's part in a cluster of ingest tasks that act as one server.
 *
 * Publishers: `claim` takes the stream's lease in the registry (conditional write) before the
 * local hub accepts the publisher, renews it every `heartbeatMs` and releases it on unpublish. A
 * renewal refused by the registry means another task took the stream (the same user reconnecting
 * there): the local publisher is kicked within one heartbeat.
 *
 * Players: a reader waiting on a path that is not live here (`want`, the hub's hook, and a
 * look-up every heartbeat) starts one edge pull per stream from the owner's cluster listener
 * (HTTP-FLV with the cluster bearer) that the hub sees as the stream's publisher, so every local
 * reader (RTMP, RTSP, HTTP-FLV) shares it with the hub's GOP cache and bounded queues. HLS is
 * fetched from the owner's segmenter (`hls`), so every task lists the same segments.
 */
export class ClusterNode {
  private readonly owned = new Map<string, Owned>();
  private readonly pulls = new Map<string, EdgePull>();
  private readonly lookups = new Map<string, Promise<void>>();
  private readonly liveWaiters = new Map<string, (() => void)[]>();
  private readonly hlsCache = new Map<string, { playlist?: { at: number; body: Uint8Array }; segments: Map<string, Uint8Array> }>();
  private readonly poller: NodeJS.Timeout;
  private nextPull = 1;
  private polls = 0;
  private announcing = false;
  /** The directory as last read (tasks). */
  private listedTasks: { at: number; tasks: TaskEntry[] } | undefined;
  private readonly startedAt = Date.now();
  private closed = false;
  /** Draining: the streams were given up, relay pulls here stand by until the task stops. */
  private releasing = false;

  constructor(
    private readonly hub: Hub,
    private readonly registry: StreamRegistry,
    private readonly options: ClusterNodeOptions,
    private readonly log: Logger,
    /** Where the tasks of the cluster are listed (the console answers for all of them); none: this task alone. */
    private readonly directory?: TaskDirectory,
  ) {
    this.poller = setInterval(() => this.poll(), options.heartbeatMs);
    this.poller.unref();
  }

  /** This task's id in the registry. */
  get taskId(): string {
    return this.options.taskId;
  }

  /** Sets the address other tasks pull from (known once the cluster listener is bound). */
  advertise(address: string): void {
    this.options.address = address;
    this.announce();
  }

  /** How often leases are renewed and waiting streams looked up. */
  get heartbeatMs(): number {
    return this.options.heartbeatMs;
  }

  /**
   * Who holds `path` on another task (`task ID`, with the publisher's user when known), or
   * undefined when no live lease names another task (free, lapsed, or this task's). A relay pull
   * asks before it connects to its source, so one task of the cluster pulls each stream and the
   * others take over only once that task's lease ends. A draining task (releaseAll) answers that
   * another task holds every stream. Never throws: an unreachable registry answers undefined (the
   * claim after connecting then refuses, as for any publisher).
   */
  async heldElsewhere(path: string): Promise<string | undefined> {
    if (this.releasing) return 'another task (this one is draining)';
    let lease: StreamLease | undefined;
    try {
      lease = await this.registry.lookup(path);
    } catch (err) {
      this.log.warn('cluster.registry-error', { op: 'lookup', path, err });
      return undefined;
    }
    if (lease !== undefined && lease.owner !== this.options.taskId) return `task ${lease.owner}${lease.user !== undefined ? ` (user ${lease.user})` : ''}`;
    // A draining task gave its streams up: it must not take one back before it stops.
    return this.releasing ? 'another task (this one is draining)' : undefined;
  }

  /** Streams this task publishes (holds the lease of). */
  get ownedCount(): number {
    return this.owned.size;
  }

  /** Edge pulls running now. */
  get pullCount(): number {
    return this.pulls.size;
  }

  /** Whether the local publisher of `path` is a real one (not an edge pull). */
  isOrigin(path: string): boolean {
    const p = this.hub.streamInfo(path)?.publisher;
    return p !== undefined && p.protocol !== EDGE_PROTOCOL;
  }

  /**
   * Takes `path` for a publisher cluster-wide, then in the local hub. Refused when another user
   * publishes it anywhere; the same user's stale session (here or on another task) is replaced.
   * A registry that cannot be reached refuses the publish (fail closed: two publishers of one
   * stream would be worse than a retry).
   */
  async claim(path: string, info: PublisherInfo): Promise<ClaimResult> {
    const local = this.hub.streamInfo(path)?.publisher;
    if (local !== undefined && local.protocol !== EDGE_PROTOCOL && (info.user === undefined || local.user !== info.user)) {
      return { ok: false, reason: 'already-publishing', current: { id: local.id, ...(local.user !== undefined ? { user: local.user } : {}) } };
    }
    let acquired;
    try {
      acquired = await this.registry.acquire({
        path,
        owner: this.options.taskId,
        address: this.options.address,
        connection: info.id,
        ...(info.user !== undefined ? { user: info.user } : {}),
      });
    } catch (err) {
      this.log.warn('cluster.registry-error', { op: 'acquire', path, err });
      return { ok: false, reason: 'registry-unavailable', current: { id: 'registry' } };
    }
    if (!acquired.ok) {
      const h = acquired.holder;
      return { ok: false, reason: 'already-publishing', current: { id: h ? `${h.owner}/${h.connection}` : 'unknown', ...(h?.user !== undefined ? { user: h.user } : {}) } };
    }
    const lease = acquired.lease;
    let replaced = acquired.replaced !== undefined ? `${acquired.replaced.owner}/${acquired.replaced.connection}` : undefined;
    let result = this.hub.publish(path, info);
    if (!result.ok && (result.current.protocol === EDGE_PROTOCOL || (info.user !== undefined && result.current.user === info.user))) {
      if (result.current.protocol !== EDGE_PROTOCOL) replaced = result.current.id;
      // The edge pull (the stream came here) or this user's stale session on this task.
      result.current.kick(result.current.protocol === EDGE_PROTOCOL ? 'publisher moved here' : 'replaced by a new session of the same user');
      result = this.hub.publish(path, info);
    }
    if (!result.ok) {
      void this.registry.release(lease).catch(() => undefined);
      return { ok: false, reason: 'already-publishing', current: { id: result.current.id, ...(result.current.user !== undefined ? { user: result.current.user } : {}) } };
    }
    const publication = result.publication;
    const owned: Owned = { lease, info, timer: setInterval(() => void this.renew(path, owned), this.options.heartbeatMs) };
    owned.timer.unref();
    this.owned.set(path, owned);
    this.log.info('cluster.lease', { path, epoch: lease.epoch, user: info.user, ...(replaced ? { replaced } : {}) });
    let ended = false;
    return {
      ok: true,
      ...(replaced ? { replaced } : {}),
      publication: {
        path,
        push: (frame) => publication.push(frame),
        end: () => {
          if (ended) return;
          ended = true;
          clearInterval(owned.timer);
          if (this.owned.get(path) === owned) this.owned.delete(path);
          publication.end();
          this.registry.release(owned.lease).then(
            (released) => this.log.info('cluster.release', { path, epoch: owned.lease.epoch, released }),
            (err: unknown) => this.log.warn('cluster.registry-error', { op: 'release', path, err }),
          );
        },
      },
    };
  }

  private async renew(path: string, owned: Owned): Promise<void> {
    try {
      if (await this.registry.renew(owned.lease)) return;
    } catch (err) {
      // Unreachable store: keep publishing and retry; the lease may lapse and another task may
      // then take the stream, which the next successful renewal notices.
      this.log.warn('cluster.registry-error', { op: 'renew', path, err });
      return;
    }
    if (this.owned.get(path) !== owned) return;
    this.log.info('cluster.lease-lost', { path, epoch: owned.lease.epoch });
    owned.info.kick('the stream was taken over on another task');
  }

  /** The hub's hook: a reader waits on `path`, which has no publisher here. */
  want(path: string): void {
    if (this.closed || this.pulls.has(path) || this.lookups.has(path) || this.hub.isLive(path)) return;
    const lookup = this.lookupAndPull(path).finally(() => this.lookups.delete(path));
    this.lookups.set(path, lookup);
  }

  private async lookupAndPull(path: string): Promise<void> {
    let lease: StreamLease | undefined;
    try {
      lease = await this.registry.lookup(path);
    } catch (err) {
      this.log.warn('cluster.registry-error', { op: 'lookup', path, err });
    }
    if (lease === undefined || lease.owner === this.options.taskId || this.closed || this.hub.isLive(path) || this.pulls.has(path)) {
      this.wake(path);
      return;
    }
    this.startPull(path, lease);
  }

  private startPull(path: string, lease: StreamLease): void {
    const id = `edge${this.nextPull++}`;
    const log = this.log.child({ pull: id, path, owner: lease.owner, address: lease.address });
    const url = parseRelayUrl(`http://${lease.address}/${path.split('/').map(encodeURIComponent).join('/')}.flv`, 'edge');
    const started = Date.now();
    // The relays' HTTP-FLV source client, with the cluster bearer; private addresses are the point here.
    const source = httpFlvSourceClient(
      url,
      { allowPrivate: true, timeoutMs: this.options.pullTimeoutMs, headers: { Authorization: `Bearer ${this.options.token}` } },
      {
        onStart: () => {
          const r = this.hub.publish(path, {
            id,
            protocol: EDGE_PROTOCOL,
            remoteAddress: lease.address,
            ...(lease.user !== undefined ? { user: lease.user } : {}),
            kick: () => source.close(),
          });
          if (!r.ok) {
            queueMicrotask(() => source.close());
            return;
          }
          pull.publication = r.publication;
          log.info('cluster.pull-start', { ms: Date.now() - started });
          this.wake(path);
        },
        onFrame: (frame) => pull.publication?.push(frame),
        onClose: (err) => {
          if (this.pulls.get(path) === pull) this.pulls.delete(path);
          pull.publication?.end();
          pull.publication = undefined;
          log.info('cluster.pull-end', { code: err?.code ?? 'closed', bytesIn: source.bytesIn, ms: Date.now() - started });
          this.wake(path);
        },
      },
    );
    const pull: EdgePull = { lease, source, publication: undefined, idleSince: undefined };
    this.pulls.set(path, pull);
    source.start();
  }

  private wake(path: string): void {
    const waiters = this.liveWaiters.get(path);
    if (waiters === undefined) return;
    this.liveWaiters.delete(path);
    for (const w of waiters) w();
  }

  /**
   * Resolves true once `path` is live here, starting an edge pull when another task owns it;
   * false when it is live nowhere (the same answer as on a single task) or not within `waitMs`.
   */
  async ensureLive(path: string, waitMs = this.options.pullTimeoutMs): Promise<boolean> {
    if (this.hub.isLive(path)) return true;
    const deadline = Date.now() + waitMs;
    for (let attempt = 0; attempt < 2 && Date.now() < deadline; attempt++) {
      const woken = new Promise<void>((resolve) => {
        const list = this.liveWaiters.get(path) ?? [];
        list.push(resolve);
        this.liveWaiters.set(path, list);
        setTimeout(resolve, Math.max(0, deadline - Date.now())).unref();
      });
      this.want(path);
      if (!this.pulls.has(path) && !this.lookups.has(path)) this.wake(path);
      await woken;
      if (this.hub.isLive(path)) return true;
      if (!this.pulls.has(path)) return false;
    }
    return this.hub.isLive(path);
  }

  /**
   * HLS of a stream another task owns: the owner's playlist (cached for `maxAgeMs`) or segment
   * (cached: segments never change), fetched over the cluster listener; undefined (404) when no
   * task owns the stream or the owner has no such answer.
   */
  async hls(path: string, file: string, maxAgeMs: number): Promise<Uint8Array | undefined> {
    let cache = this.hlsCache.get(path);
    const now = Date.now();
    if (file === 'index.m3u8') {
      if (cache?.playlist && now - cache.playlist.at < maxAgeMs) return cache.playlist.body;
    } else {
      const hit = cache?.segments.get(file);
      if (hit) return hit;
    }
    let lease: StreamLease | undefined;
    try {
      lease = await this.registry.lookup(path);
    } catch (err) {
      this.log.warn('cluster.registry-error', { op: 'lookup', path, err });
    }
    if (lease === undefined || lease.owner === this.options.taskId) return undefined;
    const body = await this.fetchFromOwner(lease, `/${path.split('/').map(encodeURIComponent).join('/')}/${encodeURIComponent(file)}`);
    if (body === undefined) return undefined;
    if (cache === undefined) {
      cache = { segments: new Map() };
      this.hlsCache.set(path, cache);
    }
    if (file === 'index.m3u8') cache.playlist = { at: now, body };
    else {
      cache.segments.set(file, body);
      for (const k of cache.segments.keys()) {
        if (cache.segments.size <= HLS_SEGMENT_CACHE) break;
        cache.segments.delete(k);
      }
    }
    return body;
  }

  private async fetchFromOwner(lease: StreamLease, urlPath: string): Promise<Uint8Array | undefined> {
    const answer = await clusterRequest({ address: lease.address, path: urlPath, token: this.options.token, timeoutMs: this.options.pullTimeoutMs * 2, maxBytes: MAX_HLS_PROXY_BYTES });
    return answer?.status === 200 ? answer.body : undefined;
  }

  /**
   * The live lease of `path` (its owner task and that task's cluster address), or undefined when
   * nobody holds it or the registry cannot be reached (logged).
   */
  async owner(path: string): Promise<StreamLease | undefined> {
    try {
      return await this.registry.lookup(path);
    } catch (err) {
      this.log.warn('cluster.registry-error', { op: 'lookup', path, err });
      return undefined;
    }
  }

  /**
   * The tasks of the cluster now (this one included, even before its first announce reached the
   * directory); only this task when there is no directory or it cannot be read (logged).
   */
  async tasks(): Promise<TaskEntry[]> {
    const self: TaskEntry = { id: this.options.taskId, address: this.options.address, startedAt: this.startedAt, expiresAt: Number.MAX_SAFE_INTEGER };
    if (this.directory === undefined) return [self];
    try {
      // One registry read per heartbeat at most, however many consoles poll (each once a second).
      const now = Date.now();
      if (this.listedTasks === undefined || now - this.listedTasks.at >= this.options.heartbeatMs) {
        this.listedTasks = { at: now, tasks: await this.directory.list() };
      }
      const listed = this.listedTasks.tasks.filter((t) => t.expiresAt >= now);
      return listed.some((t) => t.id === self.id) ? listed : [...listed, self];
    } catch (err) {
      this.log.warn('cluster.registry-error', { op: 'tasks', err });
      return [self];
    }
  }

  /** One request to another task's cluster listener with the cluster token (the console's reads and actions). */
  ask(address: string, path: string, options: { method?: 'GET' | 'POST'; json?: unknown; timeoutMs: number; maxBytes: number }): Promise<ClusterAnswer | undefined> {
    return clusterRequest({ address, path, token: this.options.token, ...options });
  }

  /** Writes this task's directory entry (once an address is known); one at a time, failures logged. */
  private announce(): void {
    const directory = this.directory;
    if (directory === undefined || this.announcing || this.closed || this.options.address === '') return;
    this.announcing = true;
    const ttlMs = this.options.heartbeatMs * ANNOUNCE_EVERY * 3;
    directory
      .announce({ id: this.options.taskId, address: this.options.address, startedAt: this.startedAt }, ttlMs)
      .catch((err: unknown) => this.log.warn('cluster.registry-error', { op: 'announce', err }))
      .finally(() => {
        this.announcing = false;
      });
  }

  /** Every heartbeat: look up streams players wait for; stop edge pulls nobody here reads. */
  private poll(): void {
    const now = Date.now();
    if (++this.polls % ANNOUNCE_EVERY === 0) this.announce();
    for (const s of this.hub.list()) {
      if (!s.live && s.readers > 0) this.want(s.path);
    }
    for (const [path, pull] of this.pulls) {
      const readers = this.hub.streamInfo(path)?.readers ?? 0;
      if (readers > 0) pull.idleSince = undefined;
      else if (pull.idleSince === undefined) pull.idleSince = now;
      else if (now - pull.idleSince >= this.options.lingerMs) pull.source.close();
    }
    for (const [path, cache] of this.hlsCache) {
      if (cache.playlist === undefined || now - cache.playlist.at > 60_000) this.hlsCache.delete(path);
    }
  }

  /** Drain: every local publisher is ended now, so the leases free up and encoders reconnect elsewhere. */
  releaseAll(reason: string): number {
    this.releasing = true;
    const owned = [...this.owned.values()];
    for (const o of owned) o.info.kick(reason);
    return owned.length;
  }

  /** Stops polling and every edge pull. Leases of publishers still connected end with them. */
  close(): void {
    this.closed = true;
    clearInterval(this.poller);
    this.directory?.leave(this.options.taskId).catch((err: unknown) => this.log.warn('cluster.registry-error', { op: 'leave', err }));
    for (const pull of [...this.pulls.values()]) pull.source.close();
    for (const o of this.owned.values()) clearInterval(o.timer);
    for (const path of [...this.liveWaiters.keys()]) this.wake(path);
  }
}
