import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { StreamgateTable } from './streamgate-table.js';

/** Env var through which the ingest learns the registry table name (cluster mode on). */
export const REGISTRY_TABLE_ENV = 'STREAMGATE_REGISTRY_TABLE';
/** The attribute DynamoDB's TTL deletes void rows by (epoch seconds; reads also check `expiresAt`). */
export const REGISTRY_TTL_ATTRIBUTE = 'ttl';
/** What an ingest task does with the registry: conditional writes and consistent reads of single items. */
export const REGISTRY_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] as const;

/**
 * The cluster registry: one item per live stream (`stream#APP/STREAM`: owner task, its pull
 * address, user, epoch, expiresAt), per answered Adobe challenge (`replay#ID`) and one list of
 * the live tasks (`tasks`: the web console's view of the cluster), partition key `pk`. Soft state (every row expires within seconds unless renewed), so TTL on `ttl` removes what
 * crashed tasks left; a house {@link StreamgateTable} without deletion protection.
 */
export class RegistryTable extends StreamgateTable {
  constructor(scope: Construct, id: string, props: { readonly tableName: string }) {
    super(scope, id, {
      tableName: props.tableName,
      partitionKey: 'pk',
      nameEnv: REGISTRY_TABLE_ENV,
      timeToLiveAttribute: REGISTRY_TTL_ATTRIBUTE,
      deletionProtection: false,
    });
  }

  /** Lets the ingest task role read and conditionally write items of this table only. */
  grantTask(role: IGrantable): void {
    role.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: [...REGISTRY_ACTIONS], resources: [this.table.tableArn] }));
  }
}
