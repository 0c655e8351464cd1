import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { FlowLogDestination, GatewayVpcEndpointAwsService, Peer, Port, SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import {
  Cluster,
  ContainerImage,
  ContainerInsights,
  CpuArchitecture,
  FargateService,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
  Protocol as EcsProtocol,
  Secret as EcsSecret,
} from 'aws-cdk-lib/aws-ecs';
import {
  ListenerCertificate,
  NetworkLoadBalancer,
  NetworkTargetGroup,
  Protocol,
  SslPolicy,
  TargetType,
} from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { AclAuth } from './api-stack.js';
import { repoRoot } from './bundle-options.js';
import { IngestMonitoring } from './constructs/ingest-monitoring.js';
import { REGISTRY_TABLE_ENV, type RegistryTable } from './constructs/registry-table.js';
import { LogBucket } from './constructs/log-bucket.js';
import { HEALTH_CHECK_PATH, HEALTH_CHECK_PORT, INGEST_TARGETS, MAX_TARGET_GROUPS_PER_SERVICE, type IngestTarget } from './ingest-ports.js';
import { MAX_STOP_TIMEOUT_SECONDS, rawIngestCidrs, type StageConfig } from './stage-config.js';

/** Props of {@link IngestStack}. */
export interface IngestStackProps extends StackProps {
  readonly config: StageConfig;
  /** Base URL of the functions API. */
  readonly apiUrl: string;
  readonly aclAuth: AclAuth;
  readonly teaSecret: ISecret;
  readonly serviceToken: ISecret;
  /**
   * The operators' admin token (the users API's): the web console on 8080/8443 `/console` takes
   * it, and passes users and relays calls on to the API with it.
   */
  readonly adminToken: ISecret;
  /** Called with the task role so the api stack can allow it `execute-api:Invoke` on /acl and /token. */
  readonly grantInvoke: (taskRole: IGrantable) => void;
  /**
   * Cluster mode (the tasks act as one server, docs/cluster.md): the registry table, the pull
   * port's bearer and the shared segment-token key. Without it each task is on its own.
   */
  readonly cluster?: {
    readonly registry: RegistryTable;
    readonly clusterToken: ISecret;
    readonly segmentTokenKey: ISecret;
  };
}

/** Private port the tasks pull streams from each other on (STREAMGATE_CLUSTER_PORT); never on the NLB. */
export const CLUSTER_PULL_PORT = 7935;
/** CloudWatch metric the service scales on: players per task (the ingest's EMF `Players`, Average). */
export const PLAYERS_METRIC = { namespace: 'streamgate', metricName: 'Players', dimension: 'Service' } as const;
/** Name of the ingest container in the task definition. */
export const INGEST_CONTAINER_NAME = 'ingest';
/** Key prefix of the NLB access logs in the log bucket. */
export const NLB_LOG_PREFIX = 'nlb';
/** Seconds between the ingest's EMF metric lines (STREAMGATE_METRICS_EMF_SECONDS). */
export const INGEST_METRICS_SECONDS = 60;

/** Seconds ECS waits after SIGTERM before SIGKILL: the drain plus a margin for closing sockets. */
export function stopTimeoutSeconds(drainSeconds: number): number {
  return Math.min(MAX_STOP_TIMEOUT_SECONDS, drainSeconds + 10);
}

/**
 * The targets this configuration exposes: raw FLV/TS only when `rawAllowFrom` names a source,
 * SRT (UDP) otherwise, so an ECS service never needs more than its five target groups.
 */
export function exposedTargets(config: StageConfig): IngestTarget[] {
  const raw = rawIngestCidrs(config).length > 0;
  return INGEST_TARGETS.filter((t) => t.access === 'public' || (t.access === 'raw' ? raw : !raw));
}

/**
 * The media server: a two-AZ VPC, a Fargate service running `ingest/Dockerfile` in private
 * subnets (no public IPs; NAT for the functions API, ECR and relays; free gateway endpoints for
 * S3 and DynamoDB), and an internet-facing Network Load Balancer with the ports of
 * {@link INGEST_TARGETS}.
 *
 * Only the NLB reaches the tasks: the task security group admits the NLB's security group and
 * nothing else; the NLB's admits `publisherCidrs` on the public listeners and `rawAllowFrom` on
 * the raw ones. Client IP preservation is on so the ingest sees real publisher addresses
 * (per-user IP ranges, STREAMGATE_RAW_ALLOW_FROM, logs).
 *
 * Health: every target group checks `/healthz` on the health port (8079), which no listener
 * exposes and whose connection budget viewers cannot use up. A target that turns unhealthy keeps
 * its open connections (`target_health_state.unhealthy.connection_termination.enabled=false`):
 * a missed check (a long GC, a burst of load) must not cut every publisher on the task; the NLB
 * sends it no new connections, and if it stays unhealthy ECS replaces it through the drain below.
 *
 * Draining: on scale-in or deploy ECS deregisters the task, the NLB keeps existing connections
 * for `drainSeconds` (deregistration delay) and sends no new ones, then ECS sends SIGTERM and the
 * ingest drains for up to `drainSeconds` before `stopTimeout` ends it.
 */
export class IngestStack extends Stack {
  readonly vpc: Vpc;
  readonly cluster: Cluster;
  readonly service: FargateService;
  readonly loadBalancer: NetworkLoadBalancer;
  readonly targetGroups: NetworkTargetGroup[] = [];
  readonly taskSecurityGroup: SecurityGroup;
  readonly monitoring: IngestMonitoring;

  constructor(scope: Construct, id: string, props: IngestStackProps) {
    super(scope, id, props);
    const { config } = props;
    const namePrefix = `streamgate-${config.stage}`;
    const serviceName = `${namePrefix}-ingest`;
    const targets = exposedTargets(config);
    if (targets.length > MAX_TARGET_GROUPS_PER_SERVICE) {
      throw new Error(`an ECS service attaches at most ${MAX_TARGET_GROUPS_PER_SERVICE} target groups, not ${targets.length}`);
    }
    const logBucket = new LogBucket(this, 'LogBucket');

    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: config.natGateways,
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'tasks', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      gatewayEndpoints: {
        // Free, and they keep ECR image layers (S3) and DynamoDB traffic off the NAT gateway.
        S3: { service: GatewayVpcEndpointAwsService.S3 },
        DynamoDb: { service: GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });
    this.vpc.addFlowLog('FlowLogs', { destination: FlowLogDestination.toS3(logBucket.bucket, 'vpc-flow-logs/') });
    this.cluster = new Cluster(this, 'Cluster', { vpc: this.vpc, clusterName: namePrefix, containerInsightsV2: ContainerInsights.ENABLED });

    const arm = config.ingestArch === 'arm64';
    const task = new FargateTaskDefinition(this, 'Task', {
      family: serviceName,
      cpu: config.ingestCpu,
      memoryLimitMiB: config.ingestMemoryMiB,
      runtimePlatform: {
        cpuArchitecture: arm ? CpuArchitecture.ARM64 : CpuArchitecture.X86_64,
        operatingSystemFamily: OperatingSystemFamily.LINUX,
      },
    });
    const logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/streamgate/${config.stage}/ingest`,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const nlbSecurityGroup = this.newNlbSecurityGroup(config, targets);
    this.loadBalancer = new NetworkLoadBalancer(this, 'Nlb', {
      vpc: this.vpc,
      vpcSubnets: { subnetType: SubnetType.PUBLIC },
      internetFacing: true,
      crossZoneEnabled: true,
      loadBalancerName: serviceName,
      securityGroups: [nlbSecurityGroup],
    });
    // NLB access logs record TLS connections only (AWS writes none for TCP listeners).
    // logAccessLogs() needs a concrete region; the stacks are environment-agnostic, so the same
    // attributes and the delivery service's bucket policy are set here.
    logBucket.allowLogDelivery(NLB_LOG_PREFIX);
    this.loadBalancer.setAttribute('access_logs.s3.enabled', 'true');
    this.loadBalancer.setAttribute('access_logs.s3.bucket', logBucket.bucket.bucketName);
    this.loadBalancer.setAttribute('access_logs.s3.prefix', NLB_LOG_PREFIX);

    const container = task.addContainer(INGEST_CONTAINER_NAME, {
      image: ContainerImage.fromAsset(repoRoot, {
        file: 'ingest/Dockerfile',
        platform: arm ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64,
      }),
      essential: true,
      stopTimeout: Duration.seconds(stopTimeoutSeconds(config.drainSeconds)),
      environment: {
        STREAMGATE_FUNCTIONS_URL: props.apiUrl,
        // iam: the ingest signs /acl and /token with SigV4 (task role, AWS_REGION and the
        // credentials endpoint come from ECS); token: it sends the service bearer.
        STREAMGATE_FUNCTIONS_AUTH: props.aclAuth === 'iam' ? 'iam' : 'token',
        STREAMGATE_AUTH: 'on',
        STREAMGATE_DRAIN_SECONDS: String(config.drainSeconds),
        STREAMGATE_LOG_LEVEL: 'info',
        STREAMGATE_PUBLIC_HOST: this.loadBalancer.loadBalancerDnsName,
        STREAMGATE_RAW_ALLOW_FROM: rawIngestCidrs(config).join(','),
        STREAMGATE_HEALTH_PORT: String(HEALTH_CHECK_PORT),
        STREAMGATE_METRICS_EMF_SECONDS: String(INGEST_METRICS_SECONDS),
        STREAMGATE_METRICS_SERVICE: serviceName,
        ...(props.cluster !== undefined
          ? { [REGISTRY_TABLE_ENV]: props.cluster.registry.table.tableName, STREAMGATE_CLUSTER_PORT: String(CLUSTER_PULL_PORT) }
          : {}),
      },
      secrets: {
        STREAMGATE_TEA_SECRET: EcsSecret.fromSecretsManager(props.teaSecret),
        STREAMGATE_SERVICE_TOKEN: EcsSecret.fromSecretsManager(props.serviceToken),
        STREAMGATE_ADMIN_TOKEN: EcsSecret.fromSecretsManager(props.adminToken),
        ...(props.cluster !== undefined
          ? {
              STREAMGATE_CLUSTER_TOKEN: EcsSecret.fromSecretsManager(props.cluster.clusterToken),
              STREAMGATE_SEGMENT_TOKEN_KEY: EcsSecret.fromSecretsManager(props.cluster.segmentTokenKey),
            }
          : {}),
      },
      logging: LogDrivers.awsLogs({ logGroup, streamPrefix: 'ingest' }),
      healthCheck: {
        // The slim Node image has no curl; Node's fetch does the same job.
        command: [
          'CMD',
          'node',
          '-e',
          `fetch('http://127.0.0.1:${HEALTH_CHECK_PORT}${HEALTH_CHECK_PATH}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
        ],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(20),
      },
      portMappings: [
        ...targets.map((t) => ({
          containerPort: t.containerPort,
          name: t.name,
          ...(isUdp(t) ? { protocol: EcsProtocol.UDP } : {}),
        })),
        { containerPort: HEALTH_CHECK_PORT, name: 'health' },
        ...(props.cluster !== undefined ? [{ containerPort: CLUSTER_PULL_PORT, name: 'cluster' }] : []),
      ],
    });
    props.grantInvoke(task.taskRole);
    Validations.of(task).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The environment holds settings only (ports, URLs, log level, CIDRs); the TEA secret and service token come from Secrets Manager through `secrets`.',
    });
    if (task.executionRole !== undefined) {
      Validations.of(task.executionRole).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ecr:GetAuthorizationToken has no resource-level permissions (it must be granted on *); every other action of the execution role is scoped to the image repository, the log group and the task secrets.',
      });
    }

    this.taskSecurityGroup = new SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: this.vpc,
      description: 'streamgate ingest tasks: media and health ports from the NLB only',
      allowAllOutbound: true,
    });
    for (const t of targets) {
      const port = isUdp(t) ? Port.udp(t.containerPort) : Port.tcp(t.containerPort);
      this.taskSecurityGroup.connections.allowFrom(nlbSecurityGroup, port, `NLB to ${t.name}`);
    }
    this.taskSecurityGroup.connections.allowFrom(nlbSecurityGroup, Port.tcp(HEALTH_CHECK_PORT), 'NLB health checks');
    if (props.cluster !== undefined) {
      // Edge pulls between the service's own tasks only: the pull port is on no listener.
      this.taskSecurityGroup.connections.allowFrom(this.taskSecurityGroup, Port.tcp(CLUSTER_PULL_PORT), 'edge pulls between ingest tasks');
      props.cluster.registry.grantTask(task.taskRole);
      // Scale-in protection while a task owns publishers (the ECS agent endpoint signs with the task role).
      task.taskRole.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['ecs:UpdateTaskProtection', 'ecs:GetTaskProtection'],
          resources: [Stack.of(this).formatArn({ service: 'ecs', resource: 'task', resourceName: `${this.cluster.clusterName}/*` })],
        }),
      );
      Validations.of(task.taskRole).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<ClusterEB0386A7>/*]',
        reason: 'A task protects itself: task ids are not known at deploy time, so the grant names every task of this service\'s cluster and nothing else.',
      });
    }

    this.service = new FargateService(this, 'Service', {
      cluster: this.cluster,
      serviceName,
      taskDefinition: task,
      desiredCount: config.desiredTasks,
      assignPublicIp: false,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.taskSecurityGroup],
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      healthCheckGracePeriod: Duration.seconds(60),
    });

    for (const t of targets) {
      const targetGroup = new NetworkTargetGroup(this, `${t.name}Targets`, {
        vpc: this.vpc,
        port: t.containerPort,
        protocol: isUdp(t) ? Protocol.UDP : Protocol.TCP,
        targetType: TargetType.IP,
        preserveClientIp: true,
        deregistrationDelay: Duration.seconds(config.drainSeconds),
        // After the deregistration delay the task's own drain (SIGTERM) ends what is left.
        connectionTermination: false,
        healthCheck: {
          protocol: Protocol.HTTP,
          port: String(HEALTH_CHECK_PORT),
          path: HEALTH_CHECK_PATH,
          interval: Duration.seconds(10),
          timeout: Duration.seconds(5),
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 3,
        },
        targets: [
          this.service.loadBalancerTarget({
            containerName: container.containerName,
            containerPort: t.containerPort,
            ...(isUdp(t) ? { protocol: EcsProtocol.UDP } : {}),
          }),
        ],
      });
      targetGroup.setAttribute('target_health_state.unhealthy.connection_termination.enabled', 'false');
      this.targetGroups.push(targetGroup);
      for (const l of t.listeners) {
        if (l.protocol === 'TLS' && config.certificateArn === undefined) continue;
        this.loadBalancer.addListener(`Listener${l.port}`, {
          port: l.port,
          protocol: l.protocol === 'TLS' ? Protocol.TLS : l.protocol === 'UDP' ? Protocol.UDP : Protocol.TCP,
          ...(l.protocol === 'TLS'
            ? { certificates: [ListenerCertificate.fromArn(config.certificateArn!)], sslPolicy: SslPolicy.RECOMMENDED_TLS }
            : {}),
          defaultTargetGroups: [targetGroup],
        });
      }
    }

    const scaling = this.service.autoScaleTaskCount({ minCapacity: config.minTasks, maxCapacity: config.maxTasks });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: 60,
      scaleOutCooldown: Duration.seconds(60),
      // Scaling in ends live streams (after the drain): be slow about it.
      scaleInCooldown: Duration.minutes(10),
    });
    if (props.cluster !== undefined) {
      // Work, not CPU alone: players per task (every task can serve every stream through edge
      // pulls, so new tasks take new players at once).
      scaling.scaleToTrackCustomMetric('Players', {
        metric: new Metric({
          namespace: PLAYERS_METRIC.namespace,
          metricName: PLAYERS_METRIC.metricName,
          dimensionsMap: { [PLAYERS_METRIC.dimension]: serviceName },
          statistic: 'Average',
          period: Duration.minutes(1),
        }),
        targetValue: config.playersPerTask,
        scaleOutCooldown: Duration.seconds(60),
        scaleInCooldown: Duration.minutes(10),
      });
    }

    this.monitoring = new IngestMonitoring(this, 'Monitoring', {
      serviceDimension: serviceName,
      dashboardName: serviceName,
      service: this.service,
      loadBalancer: this.loadBalancer,
      targetGroups: this.targetGroups,
      maxTasks: config.maxTasks,
      authFailureThreshold: config.authFailureAlarmThreshold,
      alarmTopicArn: config.alarmTopicArn,
    });

    const host = this.loadBalancer.loadBalancerDnsName;
    new CfnOutput(this, 'IngestHost', { value: host, description: 'DNS name of the ingest NLB' });
    new CfnOutput(this, 'RtmpUrl', { value: `rtmp://${host}/live`, description: 'publish: ffmpeg … -f flv rtmp://HOST/live/STREAM' });
    if (targets.some(isUdp)) {
      new CfnOutput(this, 'SrtUrl', {
        value: `srt://${host}:8890?streamid=publish:live/STREAM:USER:PASS`,
        description: 'SRT publish (play: streamid=read:live/STREAM); one UDP flow stays on one task (NLB 5-tuple)',
      });
    }
    new CfnOutput(this, 'HlsUrlPattern', { value: `http://${host}:8080/live/STREAM/index.m3u8` });
    if (config.certificateArn !== undefined) {
      new CfnOutput(this, 'RtmpsUrl', { value: `rtmps://${host}:443/live`, description: 'RTMPS (use a DNS name on the certificate that points at HOST)' });
      new CfnOutput(this, 'RtspsUrlPattern', { value: `rtsps://${host}:322/live/STREAM`, description: 'RTSPS, RTP interleaved (use a DNS name on the certificate that points at HOST)' });
      new CfnOutput(this, 'HttpsHlsUrlPattern', {
        value: `https://${host}:8443/live/STREAM/index.m3u8`,
        description: 'HLS and HTTP-FLV over TLS (use a DNS name on the certificate that points at HOST)',
      });
    }
    new CfnOutput(this, 'Dashboard', { value: serviceName, description: 'CloudWatch dashboard of the ingest' });
  }

  private newNlbSecurityGroup(config: StageConfig, targets: readonly IngestTarget[]): SecurityGroup {
    const sg = new SecurityGroup(this, 'NlbSecurityGroup', {
      vpc: this.vpc,
      description: 'streamgate ingest NLB: public listeners from publisherCidrs, raw FLV/TS from rawAllowFrom',
      // Egress only to the tasks' ports (added by the task security group's allowFrom).
      allowAllOutbound: false,
    });
    for (const t of targets) {
      const sources = t.access === 'raw' ? rawIngestCidrs(config) : config.publisherCidrs;
      for (const l of t.listeners) {
        if (l.protocol === 'TLS' && config.certificateArn === undefined) continue;
        const port = l.protocol === 'UDP' ? Port.udp(l.port) : Port.tcp(l.port);
        for (const cidr of sources) sg.addIngressRule(Peer.ipv4(cidr), port, `${t.name} ${l.port} from ${cidr}`);
      }
    }
    if (config.publisherCidrs.includes('0.0.0.0/0')) {
      Validations.of(sg).acknowledge({
        id: 'AwsSolutions-EC23',
        reason: 'A public media server: publishers and viewers connect from anywhere (publisherCidrs is 0.0.0.0/0 by choice); every stream is authorized by the functions, and only the NLB listener ports are open.',
      });
    }
    return sg;
  }
}

function isUdp(t: IngestTarget): boolean {
  return t.listeners.some((l) => l.protocol === 'UDP');
}
