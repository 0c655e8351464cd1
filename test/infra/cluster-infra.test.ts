import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { REGISTRY_ACTIONS } from '#infra/constructs/registry-table.js';
import { CLUSTER_PULL_PORT } from '#infra/ingest-stack.js';
import { defaultStageConfig } from '#infra/stage-config.js';
import { resourcesOf, synthAll } from './synth-helpers.js';

// The infrastructure of cluster mode (docs/cluster.md): the registry table, what the task may do
// with it and with ECS task protection, the pull port open between the service's own tasks only,
// and the players-per-task scaling policy, with cdk.json as shipped and with production counts.
describe.each([
  ['cdk.json as shipped', {}, { min: 1, max: 4, desired: 1, players: defaultStageConfig.playersPerTask }],
  ['-c minTasks=2 -c maxTasks=8 -c playersPerTask=1500', { minTasks: '2', maxTasks: '8', playersPerTask: '1500' }, { min: 2, max: 8, desired: 2, players: 1500 }],
])('cluster infrastructure (%s)', (_name, context, counts) => {
  const { dataTemplate, ingestTemplate } = synthAll(context);
  const container = () => resourcesOf(ingestTemplate, 'AWS::ECS::TaskDefinition')[0]![1].Properties.ContainerDefinitions[0];

  it('keeps the registry in a pk-keyed table whose void rows DynamoDB TTL removes', () => {
    dataTemplate.hasResource('AWS::DynamoDB::GlobalTable', {
      Properties: Match.objectLike({
        TableName: 'streamgate-dev-registry',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      }),
      DeletionPolicy: 'Retain',
    });
  });

  it('tells the ingest its registry table and pull port, and hands it the cluster token and segment-token key as secrets', () => {
    const env = Object.fromEntries((container().Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]));
    expect(env.STREAMGATE_REGISTRY_TABLE).toBeDefined();
    expect(env.STREAMGATE_CLUSTER_PORT).toBe(String(CLUSTER_PULL_PORT));
    const secrets = (container().Secrets as { Name: string }[]).map((s) => s.Name);
    expect(secrets).toEqual(expect.arrayContaining(['STREAMGATE_CLUSTER_TOKEN', 'STREAMGATE_SEGMENT_TOKEN_KEY']));
    expect(JSON.stringify(container().Environment)).not.toMatch(/CLUSTER_TOKEN|SEGMENT_TOKEN_KEY/);
  });

  it('lets the task role read and conditionally write the registry table only, and protect its own tasks', () => {
    const statements = resourcesOf(ingestTemplate, 'AWS::IAM::Policy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const registry = statements.find((s) => [s.Action].flat().includes('dynamodb:UpdateItem'))!;
    expect([registry.Action].flat().sort()).toEqual([...REGISTRY_ACTIONS].sort());
    expect(JSON.stringify(registry.Resource)).toMatch(/Registry/);
    expect(JSON.stringify(registry.Resource)).not.toBe('"*"');
    const protection = statements.find((s) => [s.Action].flat().includes('ecs:UpdateTaskProtection'))!;
    expect(JSON.stringify(protection.Resource)).toMatch(/:task\//);
    expect(protection.Resource).not.toBe('*');
  });

  it('opens the pull port to the service\'s own security group only, and puts it on no load-balancer listener', () => {
    const rules = resourcesOf(ingestTemplate, 'AWS::EC2::SecurityGroupIngress').filter(([, r]) => r.Properties.FromPort === CLUSTER_PULL_PORT);
    expect(rules).toHaveLength(1);
    const rule = rules[0]![1].Properties;
    expect(rule.ToPort).toBe(CLUSTER_PULL_PORT);
    expect(rule.SourceSecurityGroupId).toEqual(rule.GroupId);
    expect(rule.CidrIp).toBeUndefined();
    const listenerPorts = resourcesOf(ingestTemplate, 'AWS::ElasticLoadBalancingV2::Listener').map(([, r]) => r.Properties.Port);
    expect(listenerPorts).not.toContain(CLUSTER_PULL_PORT);
  });

  it('scales between minTasks and maxTasks on players per task (the ingest\'s EMF metric) as well as CPU', () => {
    ingestTemplate.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: counts.min, MaxCapacity: counts.max });
    ingestTemplate.hasResourceProperties('AWS::ECS::Service', { DesiredCount: counts.desired });
    ingestTemplate.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: counts.players,
        CustomizedMetricSpecification: Match.objectLike({ Namespace: 'streamgate', MetricName: 'Players', Statistic: 'Average' }),
      }),
    });
    ingestTemplate.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      }),
    });
  });
});
