import type { App } from 'aws-cdk-lib';
import { Tags } from 'aws-cdk-lib';
import { ApiStack } from './api-stack.js';
import { DataStack } from './data-stack.js';
import { IngestStack } from './ingest-stack.js';
import { readStageConfig, type StageConfig } from './stage-config.js';

/** The three stacks of one stage. */
export interface StreamgateStacks {
  readonly config: StageConfig;
  readonly data: DataStack;
  readonly api: ApiStack;
  readonly ingest: IngestStack;
}

/**
 * Adds streamgate's stacks to `app`, configured from its context. Stack names are
 * `streamgate-<stage>-data|api|ingest`; the stacks are environment-agnostic, so `cdk synth`
 * needs no account, region or credentials.
 */
export function addStreamgateStacks(app: App): StreamgateStacks {
  const config = readStageConfig(app.node);
  const prefix = `streamgate-${config.stage}`;
  const data = new DataStack(app, `${prefix}-data`, {
    stage: config.stage,
    description: 'streamgate data: users table and generated secrets (RETAIN)',
  });
  const api = new ApiStack(app, `${prefix}-api`, {
    stage: config.stage,
    data,
    aclAuth: config.aclAuth,
    exposeToken: config.exposeToken,
    alarmTopicArn: config.alarmTopicArn,
    description: 'streamgate control plane: token, acl and users Lambdas behind an HTTP API',
  });
  const ingest = new IngestStack(app, `${prefix}-ingest`, {
    config,
    apiUrl: api.apiUrl,
    aclAuth: config.aclAuth,
    teaSecret: data.teaSecret.secret,
    serviceToken: data.serviceToken.secret,
    adminToken: data.adminToken.secret,
    grantInvoke: (role) => api.grantIngestInvoke(role),
    cluster: { registry: data.registry, clusterToken: data.clusterToken.secret, segmentTokenKey: data.segmentTokenKey.secret },
    description: 'streamgate ingest: Fargate service behind a Network Load Balancer',
  });
  for (const stack of [data, api, ingest]) {
    Tags.of(stack).add('project', 'streamgate');
    Tags.of(stack).add('stage', config.stage);
  }
  return { config, data, api, ingest };
}
