import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { MAX_TARGET_GROUPS_PER_SERVICE } from '#infra/ingest-ports.js';
import { resourcesOf, synthIngest } from './synth-helpers.js';

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789abc';

function envOf(t: ReturnType<typeof synthIngest>['template']): Record<string, unknown> {
  const container = resourcesOf(t, 'AWS::ECS::TaskDefinition')[0][1].Properties.ContainerDefinitions[0];
  return Object.fromEntries((container.Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]));
}

describe('ingest stack', () => {
  const { template, granted } = synthIngest();
  const withTls = synthIngest({ certificateArn: CERT, drainSeconds: '45', publisherCidrs: '203.0.113.0/24,198.51.100.7/32' });
  const withRaw = synthIngest({ certificateArn: CERT, publisherCidrs: '203.0.113.0/24', rawAllowFrom: '192.0.2.0/28,127.0.0.1/32' });
  const listenersOf = (t: typeof template) =>
    resourcesOf(t, 'AWS::ElasticLoadBalancingV2::Listener')
      .map(([, r]) => [r.Properties.Port, r.Properties.Protocol])
      .sort((a, b) => a[0] - b[0]);

  it('listens with TCP on 1935, 5544, 5554 and 8080 and UDP on 8890 (SRT), nothing else without a certificate or raw sources', () => {
    expect(listenersOf(template)).toEqual([
      [1935, 'TCP'],
      [5544, 'TCP'],
      [5554, 'TCP'],
      [8080, 'TCP'],
      [8890, 'UDP'],
    ]);
  });

  it('adds TLS 443 (RTMPS), 322 (RTSPS) and 8443 (HTTP-FLV, HLS) with the certificate, and raw FLV/TS only for rawAllowFrom', () => {
    expect(listenersOf(withTls.template)).toEqual([
      [322, 'TLS'],
      [443, 'TLS'],
      [1935, 'TCP'],
      [5544, 'TCP'],
      [5554, 'TCP'],
      [8080, 'TCP'],
      [8443, 'TLS'],
      [8890, 'UDP'],
    ]);
    expect(listenersOf(withRaw.template).map(([p]) => p)).toEqual([322, 443, 1935, 5544, 5554, 6666, 8080, 8443, 9999]);
    const rtspTg = resourcesOf(withTls.template, 'AWS::ElasticLoadBalancingV2::TargetGroup').find(([, r]) => r.Properties.Port === 5544)![0];
    withTls.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 322,
      Protocol: 'TLS',
      Certificates: [{ CertificateArn: CERT }],
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: rtspTg } }],
    });
    const httpTg = resourcesOf(withTls.template, 'AWS::ElasticLoadBalancingV2::TargetGroup').find(([, r]) => r.Properties.Port === 8080)![0];
    withTls.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 8443,
      Protocol: 'TLS',
      Certificates: [{ CertificateArn: CERT }],
      SslPolicy: Match.stringLikeRegexp('^ELBSecurityPolicy-TLS13-'),
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: httpTg } }],
    });
    // The ingest accepts raw input only from the configured sources, loopback aside.
    const env = envOf(withRaw.template);
    expect(env.STREAMGATE_RAW_ALLOW_FROM).toBe('192.0.2.0/28');
    expect(envOf(template).STREAMGATE_RAW_ALLOW_FROM).toBe('');
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
    // Without raw ingest: the three public targets and SRT (UDP); with it, the two raw ones instead.
    expect(attached.map((l) => l.ContainerPort).sort()).toEqual([1935, 5544, 8080, 8890]);
    const withRawAttached = resourcesOf(withRaw.template, 'AWS::ECS::Service')[0][1].Properties.LoadBalancers as { ContainerPort: number }[];
    expect(withRawAttached.map((l) => l.ContainerPort).sort()).toEqual([1935, 5544, 6666, 8080, 9999]);
    expect(withRawAttached.length).toBeLessThanOrEqual(MAX_TARGET_GROUPS_PER_SERVICE);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 4);
    withRaw.template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 5);
  });

  it('forwards UDP 8890 to the tasks\' SRT port through a UDP target group, from the publisher CIDRs', () => {
    const srtTg = resourcesOf(template, 'AWS::ElasticLoadBalancingV2::TargetGroup').find(([, r]) => r.Properties.Port === 8890)!;
    expect(srtTg[1].Properties).toMatchObject({ Protocol: 'UDP', TargetType: 'ip', HealthCheckProtocol: 'HTTP', HealthCheckPort: '8079' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 8890,
      Protocol: 'UDP',
      DefaultActions: [Match.objectLike({ TargetGroupArn: { Ref: srtTg[0] } })],
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([Match.objectLike({ PortMappings: Match.arrayWith([Match.objectLike({ ContainerPort: 8890, Protocol: 'udp' })]) })]),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { IpProtocol: 'udp', FromPort: 8890, ToPort: 8890 });
    const raw = resourcesOf(withRaw.template, 'AWS::ElasticLoadBalancingV2::TargetGroup').map(([, r]) => r.Properties.Protocol);
    expect(raw).not.toContain('UDP');
  });

  it('health-checks every target group on the health port 8079 (no listener) and keeps connections of an unhealthy target', () => {
    for (const [, tg] of resourcesOf(withRaw.template, 'AWS::ElasticLoadBalancingV2::TargetGroup')) {
      expect(tg.Properties).toMatchObject({
        Protocol: 'TCP',
        TargetType: 'ip',
        HealthCheckProtocol: 'HTTP',
        HealthCheckPort: '8079',
        HealthCheckPath: '/healthz',
      });
      expect(tg.Properties.TargetGroupAttributes).toEqual(
        expect.arrayContaining([
          { Key: 'preserve_client_ip.enabled', Value: 'true' },
          { Key: 'target_health_state.unhealthy.connection_termination.enabled', Value: 'false' },
          { Key: 'deregistration_delay.connection_termination.enabled', Value: 'false' },
        ]),
      );
    }
    for (const [, l] of resourcesOf(withRaw.template, 'AWS::ElasticLoadBalancingV2::Listener')) expect(l.Properties.Port).not.toBe(8079);
    const env = envOf(template);
    expect(env).toMatchObject({ STREAMGATE_HEALTH_PORT: '8079', STREAMGATE_METRICS_EMF_SECONDS: '60', STREAMGATE_METRICS_SERVICE: 'streamgate-dev-ingest' });
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
      STREAMGATE_RAW_ALLOW_FROM: '',
    });
    expect(env.STREAMGATE_PUBLIC_HOST).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Nlb/), 'DNSName'] });
    const secrets = (container.Secrets as { Name: string; ValueFrom: unknown }[]).map((s) => s.Name).sort();
    // The admin token: the web console's login, passed on to the users API.
    expect(secrets).toEqual(['STREAMGATE_ADMIN_TOKEN', 'STREAMGATE_SERVICE_TOKEN', 'STREAMGATE_TEA_SECRET']);
    // Secrets arrive as Secrets Manager references, never as plain environment values.
    for (const s of container.Secrets) expect(JSON.stringify(s.ValueFrom)).toMatch(/ImportValue|Ref/);
    expect(Object.keys(env)).not.toContain('STREAMGATE_TEA_SECRET');
    expect(Object.keys(env)).not.toContain('STREAMGATE_SERVICE_TOKEN');
    expect(Object.keys(env)).not.toContain('STREAMGATE_ADMIN_TOKEN');
  });

  it('tells the ingest to sign its functions calls (iam) by default and to send the service bearer with aclAuth=token', () => {
    expect(envOf(template).STREAMGATE_FUNCTIONS_AUTH).toBe('iam');
    const token = envOf(synthIngest({ aclAuth: 'token' }).template);
    expect(token.STREAMGATE_FUNCTIONS_AUTH).toBe('token');
    // ECS provides AWS_REGION and the task-role credentials endpoint; nothing else is needed.
    expect(Object.keys(token).filter((k) => k.startsWith('AWS_'))).toEqual([]);
  });

  it('runs the container from ingest/Dockerfile on ARM64 Fargate with logs in CloudWatch and a health-port /healthz check', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          Essential: true,
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
          HealthCheck: Match.objectLike({ Command: Match.arrayWith([Match.stringLikeRegexp('127\\.0\\.0\\.1:8079/healthz')]) }),
        }),
      ],
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '512', Memory: '1024' });
    synthIngest({ ingestCpu: 2048, ingestMemoryMiB: 8192 }).template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '2048', Memory: '8192' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
    expect(synthIngest({ ingestArch: 'x86_64' }).template.toJSON().Resources).toSatisfy((r: Record<string, any>) =>
      Object.values(r).some((x) => x.Type === 'AWS::ECS::TaskDefinition' && x.Properties.RuntimePlatform.CpuArchitecture === 'X86_64'),
    );
  });

  it('lets the publisher CIDRs reach the public listener ports and only rawAllowFrom the raw ones', () => {
    const rulesOf = (t: typeof template) => {
      const [, sg] = resourcesOf(t, 'AWS::EC2::SecurityGroup').find(([id]) => id.startsWith('NlbSecurityGroup'))!;
      return (sg.Properties.SecurityGroupIngress as { CidrIp: string; FromPort: number; ToPort: number }[]).map((r) => `${r.CidrIp}:${r.FromPort}-${r.ToPort}`).sort();
    };
    const ports = [322, 443, 1935, 5544, 5554, 8080, 8443];
    // SRT (UDP 8890) is open to the publishers while raw ingest is not configured.
    expect(rulesOf(withTls.template)).toEqual(['203.0.113.0/24', '198.51.100.7/32'].flatMap((c) => [...ports, 8890].map((p) => `${c}:${p}-${p}`)).sort());
    expect(rulesOf(withRaw.template)).toEqual(
      [...ports.map((p) => `203.0.113.0/24:${p}-${p}`), '192.0.2.0/28:6666-6666', '192.0.2.0/28:9999-9999'].sort(),
    );
  });

  it('admits the NLB only on the tasks, which run in private subnets without public IPs', () => {
    const t = withRaw.template;
    const nlbSg = resourcesOf(t, 'AWS::EC2::SecurityGroup').find(([id]) => id.startsWith('NlbSecurityGroup'))![0];
    const taskSg = resourcesOf(t, 'AWS::EC2::SecurityGroup').find(([id]) => id.startsWith('TaskSecurityGroup'))!;
    const fromNlb = resourcesOf(t, 'AWS::EC2::SecurityGroupIngress')
      .filter(([, r]) => JSON.stringify(r.Properties.GroupId) === JSON.stringify({ 'Fn::GetAtt': [taskSg[0], 'GroupId'] }))
      .map(([, r]) => {
        expect(r.Properties.SourceSecurityGroupId).toEqual({ 'Fn::GetAtt': [nlbSg, 'GroupId'] });
        return r.Properties.FromPort as number;
      });
    expect(fromNlb.sort((a, b) => a - b)).toEqual([1935, 5544, 6666, 8079, 8080, 9999]);
    // No CIDR reaches a task directly.
    expect(taskSg[1].Properties.SecurityGroupIngress).toBeUndefined();
    const service = resourcesOf(t, 'AWS::ECS::Service')[0][1].Properties;
    expect(service.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
    const privateSubnets = resourcesOf(t, 'AWS::EC2::Subnet')
      .filter(([, s]) => s.Properties.MapPublicIpOnLaunch === false)
      .map(([id]) => id);
    const used = (service.NetworkConfiguration.AwsvpcConfiguration.Subnets as { Ref: string }[]).map((s) => s.Ref);
    expect(used.length).toBe(2);
    for (const id of used) expect(privateSubnets).toContain(id);
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

  it('spreads the VPC over two availability zones: public subnets for the NLB, private ones behind one NAT (two with natGateways=2)', () => {
    template.resourceCountIs('AWS::EC2::Subnet', 4);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    synthIngest({ natGateways: '2' }).template.resourceCountIs('AWS::EC2::NatGateway', 2);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Type: 'network', Scheme: 'internet-facing' });
    // Free gateway endpoints keep ECR layers (S3) and DynamoDB off the NAT gateway.
    const endpoints = resourcesOf(template, 'AWS::EC2::VPCEndpoint').map(([, e]) => JSON.stringify(e.Properties.ServiceName));
    expect(endpoints.some((e) => e.includes('.s3'))).toBe(true);
    expect(endpoints.some((e) => e.includes('.dynamodb'))).toBe(true);
    template.hasResourceProperties('AWS::EC2::FlowLog', { LogDestinationType: 's3', TrafficType: 'ALL' });
  });

  it('writes NLB access logs to an encrypted, TLS-only, private log bucket that AWS log delivery may write', () => {
    const attrs = resourcesOf(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[0][1].Properties.LoadBalancerAttributes as { Key: string; Value: unknown }[];
    const byKey = Object.fromEntries(attrs.map((a) => [a.Key, a.Value]));
    expect(byKey['access_logs.s3.enabled']).toBe('true');
    expect(byKey['access_logs.s3.prefix']).toBe('nlb');
    expect(byKey['access_logs.s3.bucket']).toEqual({ Ref: expect.stringMatching(/^LogBucket/) });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    const policy = JSON.stringify(resourcesOf(template, 'AWS::S3::BucketPolicy')[0][1].Properties.PolicyDocument);
    expect(policy).toContain('delivery.logs.amazonaws.com');
    expect(policy).toContain('nlb/AWSLogs/');
    expect(policy).toContain('"aws:SecureTransport":"false"');
  });

  it('turns on Container Insights for the cluster', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
  });

  it('asks the api stack to grant the task role its invoke permission', () => {
    expect(granted).toBe(true);
  });
});
