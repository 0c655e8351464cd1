import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { resourcesOf, synthAll } from './synth-helpers.js';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

function statements(template: Template): Statement[] {
  return [
    ...resourcesOf(template, 'AWS::IAM::Policy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]),
    ...resourcesOf(template, 'AWS::IAM::Role').flatMap(([, r]) =>
      ((r.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement),
    ),
  ];
}

const list = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

describe('IAM across all stacks', () => {
  for (const [label, context] of [
    ['default', {}],
    ['aclAuth=token, exposeToken', { aclAuth: 'token', exposeToken: 'true' }],
  ] as const) {
    const all = synthAll(context);
    const templates = { data: all.dataTemplate, api: all.apiTemplate, ingest: all.ingestTemplate };

    it(`grants no DynamoDB or Secrets Manager action on "*" and no service-wide action (${label})`, () => {
      let checked = 0;
      for (const [stack, t] of Object.entries(templates)) {
        for (const s of statements(t)) {
          const data = list(s.Action).filter((a) => /^(dynamodb|secretsmanager):/.test(a));
          if (data.length === 0) continue;
          checked++;
          for (const a of data) expect(a, stack).not.toMatch(/:\*$/);
          for (const r of list(s.Resource)) expect(r, `${stack}: ${data.join()}`).not.toBe('*');
        }
      }
      expect(checked).toBeGreaterThanOrEqual(5);
    });

    it(`lets the ingest task's execution role read just its five secrets (${label})`, () => {
      const t = all.ingestTemplate;
      const [, task] = resourcesOf(t, 'AWS::ECS::TaskDefinition')[0];
      const execRole = task.Properties.ExecutionRoleArn['Fn::GetAtt'][0] as string;
      const secretStatements = resourcesOf(t, 'AWS::IAM::Policy')
        .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === execRole))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[])
        .filter((s) => list(s.Action).some((a) => a.startsWith('secretsmanager:')));
      const resources = secretStatements.flatMap((s) => list(s.Resource)).map((r) => JSON.stringify(r));
      expect(resources).toHaveLength(5);
      expect(resources.some((r) => r.includes('TeaSecret'))).toBe(true);
      // the web console's login, which it passes on to the users API
      expect(resources.some((r) => r.includes('AdminToken'))).toBe(true);
      expect(resources.some((r) => r.includes('ServiceToken'))).toBe(true);
      // cluster mode: the pull port's bearer and the shared segment-token key
      expect(resources.some((r) => r.includes('ClusterToken'))).toBe(true);
      expect(resources.some((r) => r.includes('SegmentTokenKey'))).toBe(true);
    });
  }
});
