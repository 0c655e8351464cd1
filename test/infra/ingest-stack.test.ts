import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { INGEST_TARGETS, MAX_TARGET_GROUPS_PER_SERVICE } from '../../infra/ingest-ports.js';
import { resourcesOf, synthIngest } from './synth-helpers.js';

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789abc';

describe('ingest stack', () => {
  const { template, granted } = synthIngest();
  const withTls = synthIngest({ certificateArn: CERT, drainSeconds: '45', publisherCidrs: '203.0.113.0/24,198.51.100.7/32' });

  it('listens with TCP on 1935, 5544, 5554, 6666, 9999 and 8080 and nothing else without a certificate', () => {
    const listeners = resourcesOf(template, 'AWS::ElasticLoadBalancingV2::Listener').map(([, r]) => [r.Properties.Port, r.Properties.Protocol]);
    expect(listeners.sort((a, b) => a[0] - b[0])).toEqual([
      [1935, 'TCP'],
      [5544, 'TCP'],
      [5554, 'TCP'],
      [6666, 'TCP'],
      [8080, 'TCP'],
      [9999, 'TCP'],
    ]);
  });

  it('adds a TLS listener on 443 with the context certificate that forwards to the RTMP target group', () => {
    const t = withTls.template;
    const rtmpTg = resourcesOf(t, 'AWS::ElasticLoadBalancingV2::TargetGroup').find(([, r]) => r.Properties.Port === 1935)![0];
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'TLS',
      Certificates: [{ CertificateArn: CERT }],
      SslPolicy: Match.stringLikeRegexp('^ELBSecurityPolicy-TLS13-'),
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: rtmpTg } }],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 1935,
      Protocol: 'TCP',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: rtmpTg } }],
    });
  });

  it('forwards both RTSP listeners to the one RTSP target group', () => {
    const rtspTg = resourcesOf(template, 'AWS::ElasticLoadBalancingV2::TargetGroup').find(([, r]) => r.Properties.Port === 5544)![0];
    for (const port of [5544, 5554]) {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: port,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: rtspTg } }],
      });
    }
  });

  it('attaches at most five target groups to the service (the ECS limit CDK does not check)', () => {
    const service = resourcesOf(template, 'AWS::ECS::Service');
    expect(service).toHaveLength(1);
    const attached = service[0][1].Properties.LoadBalancers as { ContainerPort: number }[];
    expect(attached.length).toBeLessThanOrEqual(MAX_TARGET_GROUPS_PER_SERVICE);
    expect(attached.map((l) => l.ContainerPort).sort()).toEqual([1935, 5544, 6666, 8080, 9999]);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', INGEST_TARGETS.length);
    withTls.template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', INGEST_TARGETS.length);
  });

  it('health-checks every target group over HTTP on 8080 /healthz with IP targets and client IP preserved', () => {
    for (const [, tg] of resourcesOf(template, 'AWS::ElasticLoadBalancingV2::TargetGroup')) {
      expect(tg.Properties).toMatchObject({
        Protocol: 'TCP',
        TargetType: 'ip',
        HealthCheckProtocol: 'HTTP',
        HealthCheckPort: '8080',
        HealthCheckPath: '/healthz',
      });
      expect(tg.Properties.TargetGroupAttributes).toEqual(
        expect.arrayContaining([{ Key: 'preserve_client_ip.enabled', Value: 'true' }]),
      );
    }
  });

  it('aligns the deregistration delay and the container stopTimeout with the drain seconds', () => {
    for (const [, tg] of resourcesOf(withTls.template, 'AWS::ElasticLoadBalancingV2::TargetGroup')) {
      expect(tg.Properties.TargetGroupAttributes).toEqual(
        expect.arrayContaining([{ Key: 'deregistration_delay.timeout_seconds', Value: '45' }]),
      );
    }
    withTls.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ StopTimeout: 55, Environment: Match.arrayWith([{ Name: 'STREAMGATE_DRAIN_SECONDS', Value: '45' }]) })],
    });
  });

  it('gives the task the API URL, drain, auth and log settings and the secrets from Secrets Manager', () => {
    const [, task] = resourcesOf(template, 'AWS::ECS::TaskDefinition')[0];
    const container = task.Properties.ContainerDefinitions[0];
    const env = Object.fromEntries((container.Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]));
    expect(env).toMatchObject({
      STREAMGATE_FUNCTIONS_URL: 'https://api.example.test',
      STREAMGATE_AUTH: 'on',
      STREAMGATE_DRAIN_SECONDS: '30',
      STREAMGATE_LOG_LEVEL: 'info',
      STREAMGATE_FUNCTIONS_AUTH: 'iam',
      STREAMGATE_RAW_ALLOW_FROM: '127.0.0.1/32',
    });
    expect(env.STREAMGATE_PUBLIC_HOST).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Nlb/), 'DNSName'] });
    const secrets = (container.Secrets as { Name: string; ValueFrom: unknown }[]).map((s) => s.Name).sort();
    expect(secrets).toEqual(['STREAMGATE_SERVICE_TOKEN', 'STREAMGATE_TEA_SECRET']);
    // Secrets arrive as Secrets Manager references, never as plain environment values.
    for (const s of container.Secrets) expect(JSON.stringify(s.ValueFrom)).toMatch(/ImportValue|Ref/);
    expect(Object.keys(env)).not.toContain('STREAMGATE_TEA_SECRET');
    expect(Object.keys(env)).not.toContain('STREAMGATE_SERVICE_TOKEN');
  });

  it('tells the ingest to sign its functions calls (iam) by default and to send the service bearer with aclAuth=token', () => {
    const envOf = (t: typeof template) =>
      Object.fromEntries(
        (resourcesOf(t, 'AWS::ECS::TaskDefinition')[0][1].Properties.ContainerDefinitions[0].Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]),
      );
    expect(envOf(template).STREAMGATE_FUNCTIONS_AUTH).toBe('iam');
    const token = envOf(synthIngest({ aclAuth: 'token' }).template);
    expect(token.STREAMGATE_FUNCTIONS_AUTH).toBe('token');
    // ECS provides AWS_REGION and the task-role credentials endpoint; nothing else is needed.
    expect(Object.keys(token).filter((k) => k.startsWith('AWS_'))).toEqual([]);
  });

  it('runs the container from ingest/Dockerfile on ARM64 Fargate with logs in CloudWatch and a /healthz check', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          Essential: true,
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
          HealthCheck: Match.objectLike({ Command: Match.arrayWith([Match.stringLikeRegexp('127\\.0\\.0\\.1:8080/healthz')]) }),
        }),
      ],
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
    expect(synthIngest({ ingestArch: 'x86_64' }).template.toJSON().Resources).toSatisfy((r: Record<string, any>) =>
      Object.values(r).some((x) => x.Type === 'AWS::ECS::TaskDefinition' && x.Properties.RuntimePlatform.CpuArchitecture === 'X86_64'),
    );
  });

  it('lets only the publisher CIDRs reach the NLB listener ports', () => {
    const [, sg] = resourcesOf(withTls.template, 'AWS::EC2::SecurityGroup').find(([id]) => id.startsWith('NlbSecurityGroup'))!;
    const rules = (sg.Properties.SecurityGroupIngress as { CidrIp: string; FromPort: number; ToPort: number }[]).map(
      (r) => `${r.CidrIp}:${r.FromPort}-${r.ToPort}`,
    );
    const ports = [443, 1935, 5544, 5554, 6666, 8080, 9999];
    const expected = ['203.0.113.0/24', '198.51.100.7/32'].flatMap((c) => ports.map((p) => `${c}:${p}-${p}`));
    expect(rules.sort()).toEqual(expected.sort());
  });

  it('admits the NLB (health checks) and the preserved publisher addresses on every container port', () => {
    const t = withTls.template;
    const nlbSg = resourcesOf(t, 'AWS::EC2::SecurityGroup').find(([id]) => id.startsWith('NlbSecurityGroup'))![0];
    const taskSg = resourcesOf(t, 'AWS::EC2::SecurityGroup').find(([id]) => id.startsWith('TaskSecurityGroup'))!;
    for (const port of [1935, 5544, 6666, 8080, 9999]) {
      t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        FromPort: port,
        ToPort: port,
        SourceSecurityGroupId: { 'Fn::GetAtt': [nlbSg, 'GroupId'] },
        GroupId: { 'Fn::GetAtt': [taskSg[0], 'GroupId'] },
      });
    }
    const cidrRules = (taskSg[1].Properties.SecurityGroupIngress as { CidrIp: string; FromPort: number }[]).map((r) => `${r.CidrIp}:${r.FromPort}`);
    expect(cidrRules.sort()).toEqual(
      ['203.0.113.0/24', '198.51.100.7/32'].flatMap((c) => [1935, 5544, 6666, 8080, 9999].map((p) => `${c}:${p}`)).sort(),
    );
  });

  it('scales on CPU between the context minimum and maximum', () => {
    const { template: t } = synthIngest({ minTasks: '2', maxTasks: '6', desiredTasks: '3' });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 6 });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      }),
    });
    t.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 3, LaunchType: 'FARGATE' });
  });

  it('spreads the VPC over two availability zones without a NAT gateway', () => {
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Type: 'network', Scheme: 'internet-facing' });
  });

  it('asks the api stack to grant the task role its invoke permission', () => {
    expect(granted).toBe(true);
  });
});
