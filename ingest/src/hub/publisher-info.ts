/** What the hub knows about the connection publishing a stream. */
export interface PublisherInfo {
  /** Connection id. */
  readonly id: string;
  readonly protocol: string;
  readonly remoteAddress: string;
  /** The authenticated user, when auth is on. */
  readonly user?: string;
  /** Ends the publishing connection (admin dropStream, a reconnect replacing a stale session). */
  kick(reason: string): void;
}
