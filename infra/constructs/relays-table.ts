import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { TABLE_ACTIONS, type TableAccess } from './users-table.js';

/** Env var through which the functions learn the relays table name. */
export const RELAYS_TABLE_ENV = 'STREAMGATE_RELAYS_TABLE';

/**
 * The relays table: one item per relay, partition key `id` (string); target and source URLs are
 * stored encrypted by the functions (password key). On-demand, point-in-time recovery, deletion
 * protection and RETAIN like the users table.
 */
export class RelaysTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: { readonly tableName: string }) {
    super(scope, id);
    this.table = new TableV2(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: 'id', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** Lets `fn` use this table only and tells it the name through {@link RELAYS_TABLE_ENV}. */
  bindTable(fn: IFunction & { addEnvironment(key: string, value: string): unknown }, access: TableAccess): void {
    fn.addToRolePolicy(new PolicyStatement({ actions: [...TABLE_ACTIONS[access]], resources: [this.table.tableArn] }));
    fn.addEnvironment(RELAYS_TABLE_ENV, this.table.tableName);
  }
}
