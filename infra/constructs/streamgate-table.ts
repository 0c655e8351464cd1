import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/** How much of a table a function may touch. */
export type TableAccess = 'read' | 'readWrite';

/**
 * The DynamoDB actions behind each access level: exactly what functions/src/store calls.
 * `read`: key lookups (token, acl); `readWrite`: the users and relays APIs (create is a
 * conditional Put, update a conditional Update, list and re-encrypt a paginated Scan).
 */
export const TABLE_ACTIONS: Record<TableAccess, readonly string[]> = {
  read: ['dynamodb:GetItem'],
  readWrite: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan'],
};

/** Props of {@link StreamgateTable}. */
export interface StreamgateTableProps {
  /** Physical table name, e.g. `streamgate-dev-users`. */
  readonly tableName: string;
  /** The string partition key (the tables have no sort key and no indexes). */
  readonly partitionKey: string;
  /** Env var through which a bound function learns the table name. */
  readonly nameEnv: string;
  /** Attribute DynamoDB's TTL deletes items by (epoch seconds). */
  readonly timeToLiveAttribute?: string;
  /** Deletion protection (default on; off for soft state that rebuilds itself). */
  readonly deletionProtection?: boolean;
}

/**
 * The house table: on-demand billing, point-in-time recovery, RETAIN (a `cdk destroy` never
 * loses its items) and deletion protection unless turned off; {@link bindTable} grants a
 * function the actions of one access level on this table only.
 */
export class StreamgateTable extends Construct {
  readonly table: TableV2;
  private readonly nameEnv: string;

  constructor(scope: Construct, id: string, props: StreamgateTableProps) {
    super(scope, id);
    this.nameEnv = props.nameEnv;
    const deletionProtection = props.deletionProtection ?? true;
    this.table = new TableV2(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: props.partitionKey, type: AttributeType.STRING },
      ...(props.timeToLiveAttribute === undefined ? {} : { timeToLiveAttribute: props.timeToLiveAttribute }),
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(deletionProtection ? { deletionProtection } : {}),
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** Lets `fn` use this table only ({@link TABLE_ACTIONS} of `access`) and tells it the name through the table's env var. */
  bindTable(fn: IFunction & { addEnvironment(key: string, value: string): unknown }, access: TableAccess): void {
    fn.addToRolePolicy(new PolicyStatement({ actions: [...TABLE_ACTIONS[access]], resources: [this.table.tableArn] }));
    fn.addEnvironment(this.nameEnv, this.table.tableName);
  }
}
