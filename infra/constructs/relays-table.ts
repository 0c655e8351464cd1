import type { Construct } from 'constructs';
import { StreamgateTable } from './streamgate-table.js';

/** Env var through which the functions learn the relays table name. */
export const RELAYS_TABLE_ENV = 'STREAMGATE_RELAYS_TABLE';

/**
 * The relays table: one item per relay, partition key `id` (string); target and source URLs are
 * stored encrypted by the functions (password key). A house {@link StreamgateTable} like the users table.
 */
export class RelaysTable extends StreamgateTable {
  constructor(scope: Construct, id: string, props: { readonly tableName: string }) {
    super(scope, id, { tableName: props.tableName, partitionKey: 'id', nameEnv: RELAYS_TABLE_ENV });
  }
}
