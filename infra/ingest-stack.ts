import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Peer, Port, SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import {
  Cluster,
  ContainerImage,
  CpuArchitecture,
  FargateService,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
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
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { AclAuth } from './api-stack.js';
import { repoRoot } from './bundle-options.js';
import { HEALTH_CHECK_PATH, HEALTH_CHECK_PORT, INGEST_TARGETS, MAX_TARGET_GROUPS_PER_SERVICE } from './ingest-ports.js';
import { MAX_STOP_TIMEOUT_SECONDS, type StageConfig } from './stage-config.js';

/** Props of {@link IngestStack}. */
export interface IngestStackProps extends StackProps {
  readonly config: StageConfig;
  /** Base URL of the functions API. */
  readonly apiUrl: string;
  readonly aclAuth: AclAuth;
  readonly teaSecret: ISecret;
  readonly serviceToken: ISecret;
  /** Called with the task role so the api stack can allow it `execute-api:Invoke` on /acl and /token. */
  readonly grantInvoke: (taskRole: IGrantable) => void;
}

/** Task CPU units at the default size (0.5 vCPU; the ingest relays without transcoding). */
export const INGEST_TASK_CPU = 512;
/** Task memory at the default size: GOP caches (8 MiB per stream) and reader queues fit. */
export const INGEST_TASK_MEMORY_MIB = 1024;
/** Name of the ingest container in the task definition. */
export const INGEST_CONTAINER_NAME = 'ingest';

/** Seconds ECS waits after SIGTERM before SIGKILL: the drain plus a margin for closing sockets. */
export function stopTimeoutSeconds(drainSeconds: number): number {
  return Math.min(MAX_STOP_TIMEOUT_SECONDS, drainSeconds + 10);
}

/**
 * The media server: a two-AZ VPC (public subnets only, no NAT gateway to pay for), a Fargate
 * service running `ingest/Dockerfile`, and an internet-facing Network Load Balancer with the
 * ports of {@link INGEST_TARGETS}.
 *
 * Client IP preservation is on so the ingest sees real publisher addresses (per-user IP ranges,
 * STREAMGATE_RAW_ALLOW_FROM, logs); both security groups admit only `publisherCidrs`.
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

  constructor(scope: Construct, id: string, props: IngestStackProps) {
    super(scope, id, props);
    const { config } = props;
    const namePrefix = `streamgate-${config.stage}`;

    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [{ name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 }],
    });
    this.cluster = new Cluster(this, 'Cluster', { vpc: this.vpc, clusterName: namePrefix });

    const arm = config.ingestArch === 'arm64';
    const task = new FargateTaskDefinition(this, 'Task', {
      family: `${namePrefix}-ingest`,
      cpu: INGEST_TASK_CPU,
      memoryLimitMiB: INGEST_TASK_MEMORY_MIB,
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

    this.loadBalancer = new NetworkLoadBalancer(this, 'Nlb', {
      vpc: this.vpc,
      internetFacing: true,
      crossZoneEnabled: true,
      loadBalancerName: `${namePrefix}-ingest`,
      securityGroups: [this.newNlbSecurityGroup(config)],
    });

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
        STREAMGATE_RAW_ALLOW_FROM: config.rawAllowFrom.join(','),
      },
      secrets: {
        STREAMGATE_TEA_SECRET: EcsSecret.fromSecretsManager(props.teaSecret),
        STREAMGATE_SERVICE_TOKEN: EcsSecret.fromSecretsManager(props.serviceToken),
      },
      logging: LogDrivers.awsLogs({ logGroup, streamPrefix: 'ingest' }),
      healthCheck: {
        // node:20-slim has no curl; Node 20's fetch does the same job.
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
      portMappings: INGEST_TARGETS.map((t) => ({ containerPort: t.containerPort, name: t.name })),
    });
    props.grantInvoke(task.taskRole);

    const taskSecurityGroup = new SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: this.vpc,
      description: 'streamgate ingest tasks: media ports from the NLB and (client IP preserved) publishers',
      allowAllOutbound: true,
    });
    for (const t of INGEST_TARGETS) {
      const port = Port.tcp(t.containerPort);
      for (const sg of this.loadBalancer.connections.securityGroups) taskSecurityGroup.addIngressRule(sg, port, `NLB to ${t.name}`);
      for (const cidr of config.publisherCidrs) taskSecurityGroup.addIngressRule(Peer.ipv4(cidr), port, `${t.name} from ${cidr}`);
    }

    this.service = new FargateService(this, 'Service', {
      cluster: this.cluster,
      serviceName: `${namePrefix}-ingest`,
      taskDefinition: task,
      desiredCount: config.desiredTasks,
      assignPublicIp: true,
      vpcSubnets: { subnetType: SubnetType.PUBLIC },
      securityGroups: [taskSecurityGroup],
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      healthCheckGracePeriod: Duration.seconds(60),
    });

    for (const t of INGEST_TARGETS) {
      const targetGroup = new NetworkTargetGroup(this, `${t.name}Targets`, {
        vpc: this.vpc,
        port: t.containerPort,
        protocol: Protocol.TCP,
        targetType: TargetType.IP,
        preserveClientIp: true,
        deregistrationDelay: Duration.seconds(config.drainSeconds),
        healthCheck: {
          protocol: Protocol.HTTP,
          port: String(HEALTH_CHECK_PORT),
          path: HEALTH_CHECK_PATH,
          interval: Duration.seconds(10),
          timeout: Duration.seconds(5),
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 2,
        },
        targets: [this.service.loadBalancerTarget({ containerName: container.containerName, containerPort: t.containerPort })],
      });
      this.targetGroups.push(targetGroup);
      for (const l of t.listeners) {
        if (l.protocol === 'TLS' && config.certificateArn === undefined) continue;
        this.loadBalancer.addListener(`Listener${l.port}`, {
          port: l.port,
          protocol: l.protocol === 'TLS' ? Protocol.TLS : Protocol.TCP,
          ...(l.protocol === 'TLS'
            ? { certificates: [ListenerCertificate.fromArn(config.certificateArn!)], sslPolicy: SslPolicy.RECOMMENDED_TLS }
            : {}),
          defaultTargetGroups: [targetGroup],
        });
      }
    }
    if (this.targetGroups.length > MAX_TARGET_GROUPS_PER_SERVICE) {
      throw new Error(`an ECS service attaches at most ${MAX_TARGET_GROUPS_PER_SERVICE} target groups, not ${this.targetGroups.length}`);
    }

    const scaling = this.service.autoScaleTaskCount({ minCapacity: config.minTasks, maxCapacity: config.maxTasks });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: 60,
      scaleOutCooldown: Duration.seconds(60),
      // Scaling in ends live streams (after the drain): be slow about it.
      scaleInCooldown: Duration.minutes(10),
    });

    const host = this.loadBalancer.loadBalancerDnsName;
    new CfnOutput(this, 'IngestHost', { value: host, description: 'DNS name of the ingest NLB' });
    new CfnOutput(this, 'RtmpUrl', { value: `rtmp://${host}/live`, description: 'publish: ffmpeg … -f flv rtmp://HOST/live/STREAM' });
    if (config.certificateArn !== undefined) {
      new CfnOutput(this, 'RtmpsUrl', { value: `rtmps://${host}:443/live`, description: 'RTMPS (use a DNS name on the certificate that points at HOST)' });
    }
    new CfnOutput(this, 'HlsUrlPattern', { value: `http://${host}:8080/live/STREAM/index.m3u8` });
  }

  private newNlbSecurityGroup(config: StageConfig): SecurityGroup {
    const sg = new SecurityGroup(this, 'NlbSecurityGroup', {
      vpc: this.vpc,
      description: 'streamgate ingest NLB: listener ports from publisherCidrs',
      allowAllOutbound: true,
    });
    for (const t of INGEST_TARGETS) {
      for (const l of t.listeners) {
        if (l.protocol === 'TLS' && config.certificateArn === undefined) continue;
        for (const cidr of config.publisherCidrs) sg.addIngressRule(Peer.ipv4(cidr), Port.tcp(l.port), `${t.name} ${l.port} from ${cidr}`);
      }
    }
    return sg;
  }
}
