import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Props of {@link LogBucket}. */
export interface LogBucketProps {
  /** Days a log object is kept. */
  readonly retentionDays?: number;
}

/**
 * An S3 bucket for AWS-delivered logs (NLB access logs, VPC flow logs): SSE-S3 (the only
 * encryption NLB log delivery accepts without a key policy for the delivery service), TLS only,
 * no public access, objects owned by the bucket owner, expired after `retentionDays`, and
 * RETAIN so a `cdk destroy` does not delete evidence.
 */
export class LogBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: LogBucketProps = {}) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(props.retentionDays ?? 90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the log destination itself; server access logs of a log bucket would need yet another bucket and record only AWS log delivery writing to it.',
    });
  }

  /**
   * Lets AWS log delivery (`delivery.logs.amazonaws.com`, what NLB access logs use) write under
   * `prefix/AWSLogs/<this account>/`, for sources in this account only.
   */
  allowLogDelivery(prefix: string): void {
    const principal = new ServicePrincipal('delivery.logs.amazonaws.com');
    const fromThisAccount = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:*` },
    };
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        principals: [principal],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${prefix}/AWSLogs/${Aws.ACCOUNT_ID}/*`)],
        conditions: { ...fromThisAccount, StringEquals: { ...fromThisAccount.StringEquals, 's3:x-amz-acl': 'bucket-owner-full-control' } },
      }),
    );
    this.bucket.addToResourcePolicy(
      new PolicyStatement({ principals: [principal], actions: ['s3:GetBucketAcl'], resources: [this.bucket.bucketArn], conditions: fromThisAccount }),
    );
  }
}
