import type { Relay, RelayInput } from '#domain/relay.js';

/** Where relays live (DynamoDB in AWS, the embedded store locally). */
export interface RelayRepository {
  /** Stores a new relay under a fresh id. */
  create(input: RelayInput): Promise<Relay>;
  /** Every relay, URLs in clear (for the ingest, and redacted by the API for operators). */
  list(): Promise<Relay[]>;
  /** Removes a relay; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Turns a relay off (kept, not run) or on again; undefined when there is none. */
  setEnabled(id: string, enabled: boolean): Promise<Relay | undefined>;
}
