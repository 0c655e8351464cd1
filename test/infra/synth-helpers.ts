import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DataStack } from '#infra/data-stack.js';
import { IngestStack } from '#infra/ingest-stack.js';
import { readStageConfig } from '#infra/stage-config.js';
import { addStreamgateStacks, type StreamgateStacks } from '#infra/streamgate-app.js';

/**
 * A test App: built-in CloudFormation validation off (it doubles synth time) and Lambda bundling
 * skipped (`aws:cdk:bundling-stacks` = none); the bundles themselves are tested in test/build.
 */
export function testApp(context: Record<string, unknown> = {}): App {
  return new App({
    context: { 'aws:cdk:bundling-stacks': [], ...context },
    builtinCloudFormationValidation: false,
  } as ConstructorParameters<typeof App>[0]);
}

/** The whole app's templates for a context. */
export function synthAll(context: Record<string, unknown> = {}): StreamgateStacks & {
  dataTemplate: Template;
  apiTemplate: Template;
  ingestTemplate: Template;
} {
  const stacks = addStreamgateStacks(testApp(context));
  return {
    ...stacks,
    dataTemplate: Template.fromStack(stacks.data),
    apiTemplate: Template.fromStack(stacks.api),
    ingestTemplate: Template.fromStack(stacks.ingest),
  };
}

/**
 * The ingest stack alone, wired to a stand-in API (a fixed URL and a recorded grant), so its
 * tests do not depend on the function sources.
 */
export function synthIngest(context: Record<string, unknown> = {}): { stack: IngestStack; template: Template; granted: boolean } {
  const app = testApp(context);
  const config = readStageConfig(app.node);
  const data = new DataStack(app, 'data', { stage: config.stage });
  let granted = false;
  const stack = new IngestStack(app, 'ingest', {
    config,
    apiUrl: 'https://api.example.test',
    aclAuth: config.aclAuth,
    teaSecret: data.teaSecret.secret,
    serviceToken: data.serviceToken.secret,
    adminToken: data.adminToken.secret,
    grantInvoke: () => {
      granted = true;
    },
  });
  return { stack, template: Template.fromStack(stack), granted };
}

/** All resources of `type` in a template, as `[logicalId, resource]` pairs. */
export function resourcesOf(template: Template, type: string): [string, { Properties: Record<string, any> }][] {
  return Object.entries(template.findResources(type)) as [string, { Properties: Record<string, any> }][];
}
