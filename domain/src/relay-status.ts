/**
 * Where a relay connection is. `standby`: a pull source in a cluster whose stream another task
 * holds (that task's pull of the same relay, or a publisher there): it opens no connection to the
 * source and looks again every lease heartbeat, taking over when the holder's lease ends.
 */
export type RelayState = 'connecting' | 'live' | 'retrying' | 'standby' | 'stopped' | 'idle';

/** A snapshot of one push target or pull source, for /metrics, the admin protocol and logs. */
export interface RelayStatus {
  /** Unique per target/source: `RELAYID#N` (N-th URL of the relay) or `flv-6665#N`. */
  readonly id: string;
  /** The managed relay it belongs to. */
  readonly relay: string;
  readonly direction: 'push' | 'pull';
  /** The hub path (`APP/STREAM`). */
  readonly stream: string;
  /** The URL with credentials and stream key redacted. */
  readonly url: string;
  readonly state: RelayState;
  /** Bytes sent to the target (push) or received from the source (pull), over every connection. */
  readonly bytes: number;
  /** When the current connection went live (ms since epoch), while live. */
  readonly liveSince?: number;
  /** Successful connections so far. */
  readonly connects: number;
  /** Failed or dropped connections so far. */
  readonly failures: number;
  /** Push: frames the target could not take in time (dropped to the next keyframe). */
  readonly framesDropped: number;
  readonly lastError?: { readonly code: string; readonly message: string; readonly at: number };
  /** While retrying or standing by: when the next try (or look) starts (ms since epoch). */
  readonly retryAt?: number;
  /** While standing by: who holds the stream (`task TASKID`, with the publisher's user when known). */
  readonly heldBy?: string;
}
