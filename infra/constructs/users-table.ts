import type { Construct } from 'constructs';
import { StreamgateTable } from './streamgate-table.js';

/** Env var through which the functions learn the table name. */
export const USERS_TABLE_ENV = 'STREAMGATE_USERS_TABLE';

/** The users table: one item per user, partition key `name` (string); a house {@link StreamgateTable}. */
export class UsersTable extends StreamgateTable {
  constructor(scope: Construct, id: string, props: { readonly tableName: string }) {
    super(scope, id, { tableName: props.tableName, partitionKey: 'name', nameEnv: USERS_TABLE_ENV });
  }
}
