import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
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

/** The Lambda runtime every app runs on. */
export const FUNCTION_RUNTIME = Runtime.NODEJS_22_X;

/**
 * One Hono app as a Lambda: ARM64, Node.js 22, bundled by the locally installed esbuild with the
 * options `scripts/build.mjs` uses (no Docker), a log group with retention, no permissions
 * beyond logging until a bind helper grants them.
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
    this.fn = new NodejsFunction(this, 'Function', {
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
  }
}
