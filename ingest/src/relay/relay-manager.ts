import { canonicalStream, StreamNameError } from '#domain/canonical-stream.js';
import { globMatch } from '#domain/glob-match.js';
import { parseRelayUrl, PULL_SCHEMES, PUSH_SCHEMES, redactRelayUrl, type RelayUrl } from '#domain/relay-url.js';
import type { ClusterNode } from '../cluster/cluster-node.js';
import type { Hub } from '../hub/hub.js';
import type { Logger } from '#domain/logger.js';
import { PullSource } from './pull-source.js';
import { PushTarget, type PushTargetOptions } from './push-target.js';
import { BACKOFF_DEFAULTS, type BackoffOptions } from './relay-backoff.js';
import type { RelayDefinition } from './relay-definition.js';
import type { RelayStatus } from '#domain/relay-status.js';
import { rtmpEndpoint } from './rtmp-endpoint.js';
import { srtEndpoint } from '#domain/srt-endpoint.js';

/** Settings of the relay manager. */
export interface RelayManagerOptions {
  /** Private and loopback relay addresses allowed (local setups); link-local never is. */
  readonly allowPrivate: boolean;
  /** Bound on connecting and starting a relay connection. */
  readonly timeoutMs: number;
  readonly backoff: BackoffOptions;
  /** On-demand pulls stop this long after the last reader left. */
  readonly pullIdleMs: number;
  /** This task's part in a cluster: pulled streams take the stream's lease like any publisher. */
  readonly cluster?: ClusterNode;
}

/** Defaults of {@link RelayManagerOptions}. */
export const RELAY_MANAGER_DEFAULTS: RelayManagerOptions = {
  allowPrivate: false,
  timeoutMs: 10_000,
  backoff: BACKOFF_DEFAULTS,
  pullIdleMs: 10_000,
};

interface PullEntry {
  readonly definition: RelayDefinition;
  readonly source: PullSource;
  idleTimer?: NodeJS.Timeout;
}

/**
 * A definition whose stream (a path, or a push pattern with `*`) is in canonical form, like the
 * hub's paths: one name per stream (case folded, NFC, split at the first slash), so a pull
 * publishes where players look and a pattern matches every spelling of its streams. Throws
 * StreamNameError.
 */
function canonicalDefinition(d: RelayDefinition): RelayDefinition {
  const stream = canonicalStream(d.stream).path;
  return stream === d.stream ? d : { ...d, stream };
}

function rtmpOrThrow(url: RelayUrl) {
  const endpoint = rtmpEndpoint(url);
  if (endpoint === undefined) throw new Error('push URL needs /APP/STREAM');
  return endpoint;
}

/** The secrets of a relay URL: password, stream key (RTMP path after the app), query values. */
function secretsOf(url: RelayUrl, text: string): string[] {
  const out: string[] = [];
  if (url.password) out.push(url.password, encodeURIComponent(url.password));
  if (url.scheme === 'rtmp' || url.scheme === 'rtmps') {
    const endpoint = rtmpEndpoint(url);
    if (endpoint) out.push(endpoint.stream.split('?')[0]!);
  }
  for (const value of new URLSearchParams(url.search).values()) out.push(value);
  void text;
  return out.filter((s) => s.length > 0);
}

/**
 * Runs the managed relays: push targets start when a matching stream goes live and stop when it
 * ends; pull sources run always or on demand (first reader in, a while after the last out).
 * `setDefinitions` applies a new set (from the functions, polled) without a restart: links of
 * unchanged relays keep running.
 */
export class RelayManager {
  private definitions = new Map<string, RelayDefinition>();
  private readonly fingerprints = new Map<string, string>();
  /** Push targets by hub path, then by link id. */
  private readonly pushes = new Map<string, Map<string, PushTarget>>();
  /** Pull sources by relay id. */
  private readonly pulls = new Map<string, PullEntry>();
  private readonly unobserve: () => void;
  private closed = false;

  constructor(
    private readonly hub: Hub,
    private readonly log: Logger,
    private readonly options: RelayManagerOptions = RELAY_MANAGER_DEFAULTS,
    /** Relays from the ingest's own settings (the 6665 listener's targets), always in the set. */
    private readonly fixed: readonly RelayDefinition[] = [],
  ) {
    this.unobserve = hub.observe({
      // Deferred: the hub calls observers from inside publish/subscribe.
      onLive: (path, publisher) => setImmediate(() => this.onLive(path, publisher.protocol)),
      onUnpublished: (path) => setImmediate(() => this.onUnpublished(path)),
      onReaders: (path, readers) => setImmediate(() => this.onReaders(path, readers)),
    });
    if (fixed.length > 0) this.setDefinitions([]);
  }

  /**
   * Replaces the managed relay set (the fixed ones stay); links of relays that did not change
   * keep running.
   */
  setDefinitions(managed: readonly RelayDefinition[]): void {
    if (this.closed) return;
    const next = new Map<string, RelayDefinition>();
    for (const given of [...this.fixed, ...managed]) {
      try {
        const d = canonicalDefinition(given);
        next.set(d.id, d);
      } catch (err) {
        if (!(err instanceof StreamNameError)) throw err;
        this.log.warn('relay.invalid', { relay: given.id, code: 'RELAY_BAD_STREAM', nameError: err.code, message: err.message });
      }
    }
    for (const [id, old] of this.definitions) {
      const nd = next.get(id);
      if (nd !== undefined && JSON.stringify(nd) === this.fingerprints.get(id)) continue;
      this.removeRelay(old);
    }
    const added: RelayDefinition[] = [];
    for (const [id, d] of next) {
      if (this.definitions.has(id) && JSON.stringify(d) === this.fingerprints.get(id)) continue;
      this.fingerprints.set(id, JSON.stringify(d));
      added.push(d);
    }
    for (const id of this.definitions.keys()) if (!next.has(id)) this.fingerprints.delete(id);
    this.definitions = next;
    for (const d of added) this.addRelay(d);
    if (added.length > 0) this.log.info('relay.definitions', { relays: next.size, changed: added.length });
  }

  /** Every push target and pull source, for /metrics and the admin protocol. */
  statuses(): RelayStatus[] {
    const out: RelayStatus[] = [];
    for (const targets of this.pushes.values()) for (const t of targets.values()) out.push(t.status());
    for (const p of this.pulls.values()) out.push(p.source.status());
    return out;
  }

  /** Stops every link. */
  close(): void {
    this.closed = true;
    this.unobserve();
    for (const targets of this.pushes.values()) for (const t of targets.values()) t.stop();
    this.pushes.clear();
    for (const p of this.pulls.values()) {
      if (p.idleTimer) clearTimeout(p.idleTimer);
      p.source.stop();
    }
    this.pulls.clear();
  }

  private addRelay(d: RelayDefinition): void {
    if (d.pull !== undefined) {
      const source = this.pullSource(d);
      if (source === undefined) return;
      const entry: PullEntry = { definition: d, source };
      this.pulls.set(d.id, entry);
      if (d.mode === 'always' || this.hub.readerCount(d.stream) > 0) source.start();
      return;
    }
    // Streams already live when the relay is added are pushed at once.
    for (const info of this.hub.list()) {
      if (info.live && info.publisher) this.startPushes(info.path, info.publisher.protocol, [d]);
    }
  }

  private removeRelay(d: RelayDefinition): void {
    const pull = this.pulls.get(d.id);
    if (pull !== undefined) {
      if (pull.idleTimer) clearTimeout(pull.idleTimer);
      pull.source.stop();
      this.pulls.delete(d.id);
    }
    for (const [path, targets] of this.pushes) {
      for (const [id, t] of targets) {
        if (id.startsWith(`${d.id}#`)) {
          t.stop();
          targets.delete(id);
        }
      }
      if (targets.size === 0) this.pushes.delete(path);
    }
  }

  private pullSource(d: RelayDefinition): PullSource | undefined {
    let url: RelayUrl;
    try {
      url = parseRelayUrl(d.pull!, 'pull', PULL_SCHEMES);
    } catch (err) {
      this.log.warn('relay.invalid', { relay: d.id, code: 'RELAY_BAD_URL', message: (err as Error).message });
      return undefined;
    }
    return new PullSource({
      id: `${d.id}#0`,
      relay: d.id,
      direction: 'pull',
      stream: d.stream,
      url: redactRelayUrl(d.pull!),
      secrets: secretsOf(url, d.pull!),
      backoff: this.options.backoff,
      log: this.log,
      source: url,
      hub: this.hub,
      ...(this.options.cluster !== undefined ? { cluster: this.options.cluster } : {}),
      allowPrivate: this.options.allowPrivate,
      timeoutMs: this.options.timeoutMs,
    });
  }

  private onLive(path: string, protocol: string): void {
    if (this.closed || !this.hub.isLive(path)) return;
    this.startPushes(path, protocol, [...this.definitions.values()]);
  }

  private startPushes(path: string, protocol: string, definitions: readonly RelayDefinition[]): void {
    // A pulled stream is not pushed by the relay that pulls it, and a relay never pushes its own
    // target's echo: only definitions with push targets that match.
    const name = path.slice(path.indexOf('/') + 1);
    for (const d of definitions) {
      if (d.push === undefined || !globMatch(d.stream, path)) continue;
      if (d.protocol !== undefined && d.protocol !== protocol) continue;
      d.push.forEach((template, i) => {
        const id = `${d.id}#${i}`;
        let targets = this.pushes.get(path);
        if (targets?.has(id)) return;
        const text = template.split('{name}').join(name).split('{path}').join(path);
        const target = this.pushTarget(d, id, path, text);
        if (target === undefined) return;
        if (targets === undefined) this.pushes.set(path, (targets = new Map()));
        targets.set(id, target);
        target.start();
      });
    }
  }

  private pushTarget(d: RelayDefinition, id: string, path: string, text: string): PushTarget | undefined {
    let url: RelayUrl;
    try {
      url = parseRelayUrl(text, 'push', PUSH_SCHEMES);
    } catch (err) {
      this.log.warn('relay.invalid', { relay: d.id, code: 'RELAY_BAD_URL', message: (err as Error).message });
      return undefined;
    }
    let endpoint: PushTargetOptions['endpoint'];
    try {
      endpoint = url.scheme === 'srt' ? { kind: 'srt', srt: srtEndpoint(url) } : { kind: 'rtmp', rtmp: rtmpOrThrow(url) };
    } catch (err) {
      this.log.warn('relay.invalid', { relay: d.id, code: 'RELAY_BAD_URL', message: (err as Error).message });
      return undefined;
    }
    return new PushTarget({
      id: `${id}@${path}`,
      relay: d.id,
      direction: 'push',
      stream: path,
      url: redactRelayUrl(text),
      secrets: secretsOf(url, text),
      backoff: this.options.backoff,
      log: this.log,
      endpoint,
      hub: this.hub,
      allowPrivate: this.options.allowPrivate,
      timeoutMs: this.options.timeoutMs,
    });
  }

  private onUnpublished(path: string): void {
    if (this.hub.isLive(path)) return;
    const targets = this.pushes.get(path);
    if (targets === undefined) return;
    for (const t of targets.values()) t.stop();
    this.pushes.delete(path);
  }

  private onReaders(path: string, readers: number): void {
    if (this.closed) return;
    for (const entry of this.pulls.values()) {
      const { definition: d, source } = entry;
      if (d.mode === 'always' || d.stream !== path) continue;
      if (readers > 0) {
        if (entry.idleTimer) clearTimeout(entry.idleTimer);
        entry.idleTimer = undefined;
        source.start();
      } else if (entry.idleTimer === undefined && source.state !== 'stopped' && source.state !== 'idle') {
        entry.idleTimer = setTimeout(() => {
          entry.idleTimer = undefined;
          if (this.hub.readerCount(d.stream) === 0) source.stop();
        }, this.options.pullIdleMs);
        entry.idleTimer.unref();
      }
    }
  }
}
