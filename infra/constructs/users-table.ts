import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
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
   * Lets `fn` use the table (data-plane actions on this table and its indexes only) and tells it
   * the table name through {@link USERS_TABLE_ENV}.
   */
  bindTable(fn: IFunction & { addEnvironment(key: string, value: string): unknown }, access: TableAccess): void {
    if (access === 'readWrite') this.table.grantReadWriteData(fn);
    else this.table.grantReadData(fn);
    fn.addEnvironment(USERS_TABLE_ENV, this.table.tableName);
  }
}
