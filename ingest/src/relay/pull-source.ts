import type { Hub, Publication } from '../hub/hub.js';
import type { ClaimResult, ClusterNode } from '../cluster/cluster-node.js';
import { frameByteLength, type MediaFrame } from '../media/media-frame.js';
import { claimStream } from '../servers/publish-stream.js';
import type { RelayUrl } from '#domain/relay-url.js';
import { createSourceClient } from './create-source-client.js';
import { RelayLink, type RelayLinkOptions } from './relay-link.js';
import type { SourceClient } from './source-client.js';

/** What a pull source needs besides its link options. */
export interface PullSourceOptions extends RelayLinkOptions {
  readonly source: RelayUrl;
  readonly hub: Hub;
  /** In a cluster the stream's lease is taken before the pulled stream is published (one publisher cluster-wide). */
  readonly cluster?: ClusterNode;
  readonly allowPrivate: boolean;
  readonly timeoutMs: number;
}

/**
 * A hub stream whose publisher is a remote URL: reads it with the matching source client and
 * publishes what arrives under `stream`, like any local publisher (every output plays it).
 * Reconnects with backoff while started; the owner decides when (always on, or on demand).
 */
/** Frames (and their bytes) kept while a cluster lease is being taken; past either the first ones are dropped. */
const MAX_FRAMES_WHILE_CLAIMING = 512;
const MAX_BYTES_WHILE_CLAIMING = 16 * 1024 * 1024;

export class PullSource extends RelayLink {
  private client: SourceClient | undefined;
  private publication: Publication | undefined;
  /** Counts connect()/disconnect() calls, so an answer of the registry for an older attempt is dropped. */
  private attempts = 0;

  constructor(private readonly options: PullSourceOptions) {
    super(options);
  }

  /**
   * In a cluster, first asks the registry whether another task holds the stream (its own pull of
   * this relay, or a publisher): then it stands by without opening the source, and looks again
   * every lease heartbeat, so one task pulls each stream and another takes over within a lease
   * TTL of that task's end. Two tasks that look at the same moment may both open the source; the
   * claim lets one publish and the other retries, sees the holder and stands by.
   */
  protected connect(): void {
    const cluster = this.options.cluster;
    if (cluster === undefined) return this.open();
    const attempt = ++this.attempts;
    void cluster.heldElsewhere(this.options.stream).then((heldBy) => {
      if (attempt !== this.attempts || (this.state !== 'connecting' && this.state !== 'standby')) return;
      if (heldBy !== undefined) return this.standBy(heldBy, cluster.heartbeatMs);
      this.leaveStandby();
      this.open();
    });
  }

  private open(): void {
    let client: SourceClient;
    let waiting: MediaFrame[] | undefined;
    let waitingBytes = 0;
    const lost = (code: string, message: string): void => {
      if (this.client !== client) return;
      this.client = undefined;
      this.addBytes(client.bytesIn);
      this.endPublication();
      client.close();
      this.connectionLost({ code, message });
    };
    try {
      client = createSourceClient(this.options.source, { allowPrivate: this.options.allowPrivate, timeoutMs: this.options.timeoutMs }, {
        onStart: () => {
          if (this.client !== client) return;
          const claimed = claimStream(this.options, this.options.stream, {
            id: this.id,
            protocol: 'relay-pull',
            remoteAddress: this.options.source.host,
            kick: (reason) => lost('RELAY_KICKED', `kicked: ${reason}`),
          });
          const decide = (result: ClaimResult): void => {
            const early = waiting ?? [];
            waiting = undefined;
            if (this.client !== client) {
              if (result.ok) result.publication.end();
              return;
            }
            if (!result.ok) {
              const code = result.reason === 'registry-unavailable' ? 'RELAY_REGISTRY_UNAVAILABLE' : 'RELAY_STREAM_BUSY';
              lost(code, `${this.options.stream} already has a publisher${result.reason === 'registry-unavailable' ? ' (stream registry unreachable)' : ''}`);
              return;
            }
            this.publication = result.publication;
            for (const f of early) this.publication.push(f);
            this.markLive();
          };
          if (!(claimed instanceof Promise)) return decide(claimed);
          // The lease is a store round trip: the first frames (decoder configs among them) wait, bounded.
          waiting = [];
          claimed.then(decide, (err: unknown) => lost('RELAY_REGISTRY_UNAVAILABLE', (err as Error).message));
        },
        onFrame: (frame) => {
          if (waiting === undefined) return this.publication?.push(frame);
          waitingBytes += frameByteLength(frame);
          if (waiting.length < MAX_FRAMES_WHILE_CLAIMING && waitingBytes <= MAX_BYTES_WHILE_CLAIMING) waiting.push(frame);
        },
        onClose: (err) => {
          if (this.client !== client) return;
          this.client = undefined;
          this.addBytes(client.bytesIn);
          this.endPublication();
          this.connectionLost(err === undefined ? { code: 'RELAY_CLOSED', message: 'closed' } : { code: err.code, message: err.message });
        },
      });
    } catch (err) {
      queueMicrotask(() => this.connectionLost({ code: 'RELAY_BAD_URL', message: (err as Error).message }));
      return;
    }
    this.client = client;
    client.start();
  }

  private endPublication(): void {
    this.publication?.end();
    this.publication = undefined;
  }

  protected disconnect(): void {
    this.attempts++;
    const client = this.client;
    this.client = undefined;
    this.endPublication();
    if (client !== undefined) {
      this.addBytes(client.bytesIn);
      client.close();
    }
  }

  override status() {
    const s = super.status();
    return { ...s, bytes: s.bytes + (this.client?.bytesIn ?? 0) };
  }
}
