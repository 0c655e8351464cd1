import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** Env var through which the ingest learns the registry table name (cluster mode on). */
export const REGISTRY_TABLE_ENV = 'STREAMGATE_REGISTRY_TABLE';
/** The attribute DynamoDB's TTL deletes void rows by (epoch seconds; reads also check `expiresAt`). */
export const REGISTRY_TTL_ATTRIBUTE = 'ttl';
/** What an ingest task does with the registry: conditional writes and consistent reads of single items. */
export const REGISTRY_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] as const;

/**
 * The cluster registry: one item per live stream (`stream#APP/STREAM`: owner task, its pull
 * address, user, epoch, expiresAt) and per answered Adobe challenge (`replay#ID`), partition key
 * `pk`. Soft state (every row expires within seconds unless renewed), so TTL on `ttl` removes what
 * crashed tasks left; on-demand billing, RETAIN like the other tables.
 */
export class RegistryTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: { readonly tableName: string }) {
    super(scope, id);
    this.table = new TableV2(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      timeToLiveAttribute: REGISTRY_TTL_ATTRIBUTE,
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** Lets the ingest task role read and conditionally write items of this table only. */
  grantTask(role: IGrantable): void {
    role.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: [...REGISTRY_ACTIONS], resources: [this.table.tableArn] }));
  }
}
