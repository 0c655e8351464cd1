import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/** Env var through which the functions learn the table name. */
export const USERS_TABLE_ENV = 'STREAMGATE_USERS_TABLE';

/** Props of {@link UsersTable}. */
export interface UsersTableProps {
  /** Physical table name, e.g. `streamgate-dev-users`. */
  readonly tableName: string;
}

/** How much of the table a function may touch. */
export type TableAccess = 'read' | 'readWrite';

/**
 * The DynamoDB actions behind each access level: exactly what functions/src/store calls.
 * `read`: key lookups (token, acl); `readWrite`: the users API (create is a conditional Put,
 * update a conditional Update, list and re-encrypt a paginated Scan).
 */
export const TABLE_ACTIONS: Record<TableAccess, readonly string[]> = {
  read: ['dynamodb:GetItem'],
  readWrite: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan'],
};

/**
 * The users table: one item per user, partition key `name` (string). On-demand billing,
 * point-in-time recovery, deletion protection and RETAIN: a `cdk destroy` never loses users.
 */
export class UsersTable extends Construct {
  /** The DynamoDB table. */
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: UsersTableProps) {
    super(scope, id);
    this.table = new TableV2(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: 'name', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Lets `fn` use the table ({@link TABLE_ACTIONS} on this table only; the table has no indexes)
   * and tells it the table name through {@link USERS_TABLE_ENV}.
   */
  bindTable(fn: IFunction & { addEnvironment(key: string, value: string): unknown }, access: TableAccess): void {
    fn.addToRolePolicy(new PolicyStatement({ actions: [...TABLE_ACTIONS[access]], resources: [this.table.tableArn] }));
    fn.addEnvironment(USERS_TABLE_ENV, this.table.tableName);
  }
}
