import type { Logger } from '#domain/logger.js';
import { Backoff, type BackoffOptions } from './relay-backoff.js';
import type { RelayState, RelayStatus } from '#domain/relay-status.js';

/** What every relay link (push target, pull source) shares: identity, state, counters, retries. */
export interface RelayLinkOptions {
  readonly id: string;
  readonly relay: string;
  readonly direction: 'push' | 'pull';
  readonly stream: string;
  /** Redacted URL. */
  readonly url: string;
  /** Strings that must never reach a log or status (stream key, password). */
  readonly secrets: readonly string[];
  readonly backoff: BackoffOptions;
  readonly log: Logger;
}

/**
 * State machine and bookkeeping of one relay link: connecting → live → retrying (with backoff)
 * → connecting …, or stopped; a cluster pull whose stream another task holds stands by instead
 * (connecting → standby → connecting, one lease heartbeat apart). Subclasses open the connection in `connect()` and report with
 * `markLive`, `addBytes`, `connectionLost`. Error texts are scrubbed of the link's secrets.
 */
export abstract class RelayLink {
  protected readonly log: Logger;
  private stateValue: RelayState = 'idle';
  private readonly backoff: Backoff;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryAt: number | undefined;
  private liveSince: number | undefined;
  private lastError: RelayStatus['lastError'];
  /** While standing by (or since the last stand-by, until live): who holds the stream. */
  private heldBy: string | undefined;
  private connects = 0;
  private failures = 0;
  protected bytes = 0;
  protected framesDropped = 0;

  constructor(protected readonly linkOptions: RelayLinkOptions) {
    this.backoff = new Backoff(linkOptions.backoff);
    this.log = linkOptions.log.child({ relay: linkOptions.relay, link: linkOptions.id, direction: linkOptions.direction, stream: linkOptions.stream, url: linkOptions.url });
  }

  get state(): RelayState {
    return this.stateValue;
  }

  get id(): string {
    return this.linkOptions.id;
  }

  /** Opens the connection; report through markLive / connectionLost. */
  protected abstract connect(): void;
  /** Closes the current connection without reporting a loss. */
  protected abstract disconnect(): void;

  /** Starts (or restarts after stop) the link. */
  start(): void {
    if (this.stateValue === 'connecting' || this.stateValue === 'live' || this.stateValue === 'retrying' || this.stateValue === 'standby') return;
    this.attempt();
  }

  /** Stops the link: no more retries. Idempotent. */
  stop(): void {
    if (this.stateValue === 'stopped' || this.stateValue === 'idle') return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.retryAt = undefined;
    this.liveSince = undefined;
    this.heldBy = undefined;
    this.stateValue = 'stopped';
    this.disconnect();
    this.log.info('relay.stopped', { bytes: this.bytes });
  }

  /** Connects (or, standing by, looks again: the state stays `standby` until the stream is free). */
  private attempt(): void {
    this.retryTimer = undefined;
    this.retryAt = undefined;
    if (this.stateValue !== 'standby') {
      this.stateValue = 'connecting';
      this.log.debug('relay.connecting');
    }
    this.connect();
  }

  protected markLive(): void {
    if (this.stateValue !== 'connecting') return;
    this.stateValue = 'live';
    this.heldBy = undefined;
    this.connects++;
    this.liveSince = Date.now();
    this.backoff.up();
    this.log.info('relay.live');
  }

  protected addBytes(n: number): void {
    this.bytes += n;
  }

  /**
   * Instead of connecting: another task holds the stream, so this link opens nothing and looks
   * again after `delayMs` (no failure counted, backoff unchanged), staying `standby` while it
   * looks. Logged when the holder changes.
   */
  protected standBy(heldBy: string, delayMs: number): void {
    if (this.stateValue !== 'connecting' && this.stateValue !== 'standby') return;
    if (heldBy !== this.heldBy) this.log.info('relay.standby', { heldBy });
    this.heldBy = heldBy;
    this.stateValue = 'standby';
    this.retryAt = Date.now() + delayMs;
    this.retryTimer = setTimeout(() => this.attempt(), delayMs);
    this.retryTimer.unref();
  }

  /** A standing-by link found its stream free: it connects now. */
  protected leaveStandby(): void {
    if (this.stateValue !== 'standby') return;
    this.stateValue = 'connecting';
    this.log.info('relay.standby-end', { heldBy: this.heldBy });
    this.heldBy = undefined;
  }

  /** The connection failed or dropped: retry after the backoff delay (unless stopped). */
  protected connectionLost(error: { code?: string; message: string }): void {
    if (this.stateValue === 'stopped' || this.stateValue === 'idle' || this.stateValue === 'retrying' || this.stateValue === 'standby') return;
    this.failures++;
    const code = error.code ?? 'RELAY_FAILED';
    const message = this.scrub(error.message);
    this.lastError = { code, message, at: Date.now() };
    this.liveSince = undefined;
    const delay = this.backoff.next();
    this.stateValue = 'retrying';
    this.retryAt = Date.now() + delay;
    this.log.warn('relay.retrying', { code, message, delayMs: delay });
    this.retryTimer = setTimeout(() => this.attempt(), delay);
    this.retryTimer.unref();
  }

  /** Replaces the link's secrets in a text. */
  protected scrub(text: string): string {
    let out = text;
    for (const s of this.linkOptions.secrets) if (s.length >= 3) out = out.split(s).join('***');
    return out;
  }

  status(): RelayStatus {
    return {
      id: this.linkOptions.id,
      relay: this.linkOptions.relay,
      direction: this.linkOptions.direction,
      stream: this.linkOptions.stream,
      url: this.linkOptions.url,
      state: this.stateValue,
      bytes: this.bytes,
      connects: this.connects,
      failures: this.failures,
      framesDropped: this.framesDropped,
      ...(this.liveSince !== undefined && { liveSince: this.liveSince }),
      ...(this.lastError !== undefined && { lastError: this.lastError }),
      ...(this.retryAt !== undefined && { retryAt: this.retryAt }),
      ...(this.stateValue === 'standby' && this.heldBy !== undefined && { heldBy: this.heldBy }),
    };
  }
}
