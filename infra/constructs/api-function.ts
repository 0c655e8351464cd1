import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type CfnLogGroup, LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { type FunctionName, loadBundleOptions, repoRoot } from '../bundle-options.js';

/** Props of {@link ApiFunction}. */
export interface ApiFunctionProps {
  /** Which Hono app (its entry comes from infra/bundle-options.json). */
  readonly app: FunctionName;
  /** Physical name prefix, e.g. `streamgate-dev`. */
  readonly namePrefix: string;
  /** Plain env vars (table name and secret ARNs are added by the bind helpers). */
  readonly environment?: Record<string, string>;
  readonly memoryMiB?: number;
  readonly timeout?: Duration;
  readonly logRetention?: RetentionDays;
}

/** The Lambda runtime every app runs on (the current Node.js LTS). */
export const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;

/**
 * One Hono app as a Lambda: ARM64, Node.js 24, bundled by the locally installed esbuild with the
 * options `scripts/build.mjs` uses (no Docker), a log group with retention and JSON log format
 * (the runtime's lines carry the request id; the apps add it to theirs), and a role of its own
 * that may write to that log group and nothing else until a bind helper grants more: no managed
 * policy.
 */
export class ApiFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: ApiFunctionProps) {
    super(scope, id);
    const o = loadBundleOptions().functions;
    const name = `${props.namePrefix}-${props.app}`;
    const logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${name}`,
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${name}: writes its own log group; bind helpers add table and secret access`,
    });
    // The log group exists (above), so no logs:CreateLogGroup.
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(logGroup)}.Arn>]`,
      reason: "A log group's ARN ends in `:*` (its log streams); Lambda names a new stream per execution environment, so the streams cannot be listed in advance. The grant is this function's own log group only.",
    });
    this.fn = new NodejsFunction(this, 'Function', {
      role,
      loggingFormat: LoggingFormat.JSON,
      functionName: name,
      entry: join(repoRoot, o.entries[props.app]),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      runtime: FUNCTION_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memoryMiB ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup,
      // Stack traces in CloudWatch point into functions/src, not the minified bundle.
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: {
        format: OutputFormat.ESM,
        target: o.target,
        mainFields: o.mainFields,
        externalModules: o.external,
        minify: o.minify,
        sourceMap: true,
        banner: loadBundleOptions().banner,
      },
    });
    Validations.of(this.fn).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'Invoked synchronously by API Gateway only: a failure is returned to the caller (the ingest fails closed), and a dead-letter queue receives failed asynchronous events only, of which there are none.',
    });
    Validations.of(this.fn).acknowledge({
      id: 'Serverless-LambdaTracing',
      reason: 'Requests are correlated by the request id in the function logs and the API access log; X-Ray would add cost and xray:Put* permissions on * for a few milliseconds of DynamoDB and Secrets Manager calls.',
    });
  }
}

function logicalIdOf(construct: LogGroup): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnLogGroup);
}
