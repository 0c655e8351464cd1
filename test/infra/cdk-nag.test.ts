import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { addStreamgateStacks } from '#infra/streamgate-app.js';
import { testApp } from './synth-helpers.js';

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789abc';
const shipped = (JSON.parse(readFileSync(resolve(import.meta.dirname, '../../cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

/** Unacknowledged findings of both packs, as `rule at path` lines (empty when clean). */
function findings(app: IConstruct): string[] {
  const out: string[] = [];
  for (const pack of [new AwsSolutionsChecks(app), new ServerlessChecks(app)]) {
    for (const v of pack.validateScope(app).violations) {
      for (const r of v.violatingResources) out.push(`${v.ruleName} at ${r.constructPath ?? r.resourceLogicalId}`);
    }
  }
  return out.sort();
}

function build(context: Record<string, unknown>) {
  const app = testApp(context);
  const stacks = addStreamgateStacks(app);
  return { app, stacks };
}

describe('cdk-nag (AwsSolutions and Serverless packs)', () => {
  it.each([
    ['cdk.json as shipped', shipped],
    ['production flags (-c minTasks=2 -c maxTasks=8) on cdk.json', { ...shipped, minTasks: '2', maxTasks: '8' }],
    [
      'everything on: certificate, raw ingest, exposeToken, alarm topic, two NAT gateways',
      { ...shipped, certificateArn: CERT, rawAllowFrom: '192.0.2.0/28', exposeToken: 'true', alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops', natGateways: '2' },
    ],
    ['aclAuth=token with publisherCidrs narrowed', { ...shipped, aclAuth: 'token', publisherCidrs: '203.0.113.0/24' }],
  ])('finds nothing unacknowledged: %s', (_label, context) => {
    const { app } = build(context);
    expect(findings(app)).toEqual([]);
  });

  it('reports a new finding (the check can fail): an unencrypted, public-access bucket added to the ingest stack', () => {
    const { app, stacks } = build(shipped);
    new Bucket(stacks.ingest, 'Careless');
    const found = findings(app);
    expect(found.some((f) => f.startsWith('AwsSolutions-S10 at ') && f.includes('Careless'))).toBe(true);
  });

  it('gives every acknowledgement a reason of its own (a sentence, not a placeholder)', () => {
    const { app } = build({ ...shipped, certificateArn: CERT, rawAllowFrom: '192.0.2.0/28', exposeToken: 'true' });
    const acks: { id: string; reason: string }[] = [];
    const visit = (c: IConstruct) => {
      for (const m of c.node.metadata) {
        // The metadata maps each acknowledged id (with CDK's `Annotation::` prefix) to its reason.
        if (m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
          for (const [id, reason] of Object.entries(m.data as Record<string, unknown>)) acks.push({ id: id.replace(/^Annotation::/, ''), reason: reason as string });
        }
      }
      for (const child of c.node.children) visit(child);
    };
    visit(app);
    // CDK acknowledges some of its own template checks (CloudFormation-Validate::…); ours are the packs'.
    const ours = acks.filter((a) => /^(AwsSolutions|Serverless)-/.test(a.id));
    expect(ours.length).toBeGreaterThan(5);
    for (const a of ours) {
      expect(typeof a.reason, JSON.stringify(a)).toBe('string');
      expect(a.reason.length, a.id).toBeGreaterThan(40);
    }
    // Only acknowledged where a fix is impossible or a deliberate choice; the list is short on purpose.
    expect([...new Set(ours.map((a) => a.id.replace(/\[.*$/, '')))].sort()).toEqual([
      'AwsSolutions-APIG4',
      'AwsSolutions-EC23',
      'AwsSolutions-ECS2',
      'AwsSolutions-IAM5',
      'AwsSolutions-S1',
      'AwsSolutions-SMG4',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaTracing',
    ]);
  });
});
