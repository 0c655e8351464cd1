import type { Node } from 'constructs';

/** Deployment settings for one stage, read from CDK context (`cdk.json` or `-c key=value`). */
export interface StageConfig {
  /** Short stage name (1-12 characters), part of every stack and resource name (`dev`, `prod`). */
  readonly stage: string;
  /** Ingest tasks at deploy time. */
  readonly desiredTasks: number;
  /** CPU autoscaling floor. */
  readonly minTasks: number;
  /** CPU autoscaling ceiling. */
  readonly maxTasks: number;
  /** ACM certificate for the TLS listeners (RTMPS 443, HTTPS 8443); no TLS listener without it. */
  readonly certificateArn: string | undefined;
  /** Who may connect to the ingest's public ports (publishers and viewers). */
  readonly publisherCidrs: readonly string[];
  /** Makes `/token` callable without IAM, for an external Wowza server (deliberate opt-in). */
  readonly exposeToken: boolean;
  /** Seconds the ingest drains on SIGTERM; the NLB deregistration delay and ECS stopTimeout follow it. */
  readonly drainSeconds: number;
  /** CPU architecture of the ingest task and its image. */
  readonly ingestArch: 'arm64' | 'x86_64';
  /**
   * Sources allowed on the raw FLV (6666) and TS (9999) listeners, which carry no credentials:
   * the ingest's STREAMGATE_RAW_ALLOW_FROM. Empty (the default) or loopback only: no raw listener,
   * target group or security-group rule exists at all (see {@link rawIngestCidrs}).
   */
  readonly rawAllowFrom: readonly string[];
  /** NAT gateways for the tasks' private subnets (1: one shared, cheapest; 2: one per AZ, survives an AZ). */
  readonly natGateways: number;
  /** SNS topic every alarm notifies; alarms exist without it but notify nobody. */
  readonly alarmTopicArn: string | undefined;
  /** Denied plus failed auth decisions in 5 minutes (all tasks) that raise the auth alarm. */
  readonly authFailureAlarmThreshold: number;
  /** How the ingest proves itself to `/acl`: an IAM (SigV4) signature or the service bearer token. */
  readonly aclAuth: 'iam' | 'token';
  /** Fargate CPU units of one ingest task: 256, 512, 1024, 2048 or 4096 (1024 = 1 vCPU). */
  readonly ingestCpu: number;
  /** Memory of one ingest task in MiB: a size Fargate runs with `ingestCpu` (see {@link fargateMemoryChoices}). */
  readonly ingestMemoryMiB: number;
  /** Players per task the players target tracking aims for (cluster mode, with CPU at 60 %). */
  readonly playersPerTask: number;
}

/** The settings a bare `npx cdk synth` uses. */
export const defaultStageConfig: StageConfig = {
  stage: 'dev',
  desiredTasks: 1,
  minTasks: 1,
  maxTasks: 4,
  certificateArn: undefined,
  publisherCidrs: ['0.0.0.0/0'],
  exposeToken: false,
  drainSeconds: 30,
  ingestArch: 'arm64',
  rawAllowFrom: [],
  aclAuth: 'iam',
  natGateways: 1,
  alarmTopicArn: undefined,
  authFailureAlarmThreshold: 50,
  // 0.5 vCPU and 1 GiB: the ingest relays without transcoding, and GOP caches (8 MiB at most per
  // stream) and reader queues fit (docs/deploy-aws.md "Task size").
  ingestCpu: 512,
  ingestMemoryMiB: 1024,
  playersPerTask: 400,
};

/** Fargate CPU sizes (Linux) an ingest task can have: its JavaScript runs on one thread, so 4 vCPU is the largest that helps. */
export const INGEST_CPU_CHOICES = [256, 512, 1024, 2048, 4096] as const;

/** The task memory sizes (MiB) Fargate runs with `cpu` units (Linux), smallest first. */
export function fargateMemoryChoices(cpu: number): number[] {
  const gib = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => (from + i) * 1024);
  switch (cpu) {
    case 256:
      return [512, 1024, 2048];
    case 512:
      return gib(1, 4);
    case 1024:
      return gib(2, 8);
    case 2048:
      return gib(4, 16);
    case 4096:
      return gib(8, 30);
    default:
      return [];
  }
}

/** The raw FLV/TS sources that can come through the NLB: `rawAllowFrom` without loopback. */
export function rawIngestCidrs(config: Pick<StageConfig, 'rawAllowFrom'>): string[] {
  return config.rawAllowFrom.filter((cidr) => !cidr.startsWith('127.'));
}

/** Each CIDR becomes one rule per port in a security group (at most 60 inbound rules). */
export const MAX_PUBLISHER_CIDRS = 8;

/** Fargate lets a container at most 120 s between SIGTERM and SIGKILL. */
export const MAX_STOP_TIMEOUT_SECONDS = 120;

/** Raised for a context value that cannot be used; `key` names the context key. */
export class StageConfigError extends Error {
  readonly code = 'STAGE_CONFIG_INVALID';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`context "${key}": ${message}`);
    this.name = 'StageConfigError';
  }
}

/**
 * Reads and validates the stage settings from CDK context. Values from `-c key=value` arrive as
 * strings and values from cdk.json as JSON, so both shapes are accepted.
 */
export function readStageConfig(node: Node): StageConfig {
  const get = (key: string): unknown => node.tryGetContext(key);
  const d = defaultStageConfig;

  const stage = str(get('stage'), 'stage') ?? d.stage;
  // `streamgate-<stage>-ingest` names the NLB, and load balancer names stop at 32 characters.
  if (!/^[a-z][a-z0-9-]{0,11}$/.test(stage)) {
    throw new StageConfigError('stage', `"${stage}" must be 1-12 lowercase letters, digits or dashes, starting with a letter`);
  }
  const minTasks = int(get('minTasks'), 'minTasks', 0, 100) ?? d.minTasks;
  const maxTasks = int(get('maxTasks'), 'maxTasks', 1, 100) ?? Math.max(d.maxTasks, minTasks);
  // desiredTasks is optional: it follows minTasks, so `-c minTasks=2 -c maxTasks=8` works alone.
  const desiredTasks = int(get('desiredTasks'), 'desiredTasks', 0, 100) ?? Math.max(d.desiredTasks, minTasks);
  if (minTasks > maxTasks) throw new StageConfigError('minTasks', `${minTasks} is above maxTasks ${maxTasks}`);
  if (desiredTasks < minTasks || desiredTasks > maxTasks) {
    throw new StageConfigError('desiredTasks', `${desiredTasks} is outside minTasks..maxTasks (${minTasks}..${maxTasks})`);
  }

  const certificateArn = str(get('certificateArn'), 'certificateArn') || undefined;
  if (certificateArn !== undefined && !/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/.+$/.test(certificateArn)) {
    throw new StageConfigError('certificateArn', `"${certificateArn}" is not an ACM certificate ARN`);
  }

  const publisherCidrs = list(get('publisherCidrs'), 'publisherCidrs') ?? d.publisherCidrs;
  if (publisherCidrs.length === 0) throw new StageConfigError('publisherCidrs', 'needs at least one CIDR');
  if (publisherCidrs.length > MAX_PUBLISHER_CIDRS) {
    throw new StageConfigError('publisherCidrs', `at most ${MAX_PUBLISHER_CIDRS} CIDRs (got ${publisherCidrs.length})`);
  }
  for (const cidr of publisherCidrs) checkCidr(cidr, 'publisherCidrs');
  const rawAllowFrom = list(get('rawAllowFrom'), 'rawAllowFrom') ?? d.rawAllowFrom;
  for (const cidr of rawAllowFrom) checkCidr(cidr, 'rawAllowFrom');
  const aclAuth = str(get('aclAuth'), 'aclAuth') ?? d.aclAuth;
  if (aclAuth !== 'iam' && aclAuth !== 'token') throw new StageConfigError('aclAuth', `"${aclAuth}" must be iam or token`);

  const drainSeconds = int(get('drainSeconds'), 'drainSeconds', 0, MAX_STOP_TIMEOUT_SECONDS - 10) ?? d.drainSeconds;
  const arch = str(get('ingestArch'), 'ingestArch') ?? d.ingestArch;
  if (arch !== 'arm64' && arch !== 'x86_64') {
    throw new StageConfigError('ingestArch', `"${arch}" must be arm64 or x86_64`);
  }

  const natGateways = int(get('natGateways'), 'natGateways', 1, 2) ?? d.natGateways;
  const alarmTopicArn = str(get('alarmTopicArn'), 'alarmTopicArn') || undefined;
  if (alarmTopicArn !== undefined && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(alarmTopicArn)) {
    throw new StageConfigError('alarmTopicArn', `"${alarmTopicArn}" is not an SNS topic ARN`);
  }
  const authFailureAlarmThreshold = int(get('authFailureAlarmThreshold'), 'authFailureAlarmThreshold', 1, 1_000_000) ?? d.authFailureAlarmThreshold;

  const ingestCpu = int(get('ingestCpu'), 'ingestCpu', 256, 4096) ?? d.ingestCpu;
  if (!(INGEST_CPU_CHOICES as readonly number[]).includes(ingestCpu)) {
    throw new StageConfigError('ingestCpu', `${ingestCpu} is not a Fargate CPU size (${INGEST_CPU_CHOICES.join(', ')})`);
  }
  const memoryChoices = fargateMemoryChoices(ingestCpu);
  // Without a memory size, the smallest Fargate runs with that CPU (2 MiB per CPU unit).
  const ingestMemoryMiB = int(get('ingestMemoryMiB'), 'ingestMemoryMiB', 512, 30720) ?? memoryChoices[0]!;
  if (!memoryChoices.includes(ingestMemoryMiB)) {
    const choices = memoryChoices.length <= 3 ? memoryChoices.join(', ') : `${memoryChoices[0]} to ${memoryChoices.at(-1)} in steps of 1024`;
    throw new StageConfigError('ingestMemoryMiB', `${ingestMemoryMiB} is not a size Fargate runs with ingestCpu ${ingestCpu} (${choices})`);
  }
  const playersPerTask = int(get('playersPerTask'), 'playersPerTask', 10, 100_000) ?? d.playersPerTask;

  return {
    stage,
    desiredTasks,
    minTasks,
    maxTasks,
    certificateArn,
    publisherCidrs,
    exposeToken: bool(get('exposeToken'), 'exposeToken') ?? d.exposeToken,
    drainSeconds,
    ingestArch: arch,
    rawAllowFrom,
    aclAuth,
    natGateways,
    alarmTopicArn,
    authFailureAlarmThreshold,
    ingestCpu,
    ingestMemoryMiB,
    playersPerTask,
  };
}

function checkCidr(cidr: string, key: string): void {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (m === null || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) {
    throw new StageConfigError(key, `"${cidr}" is not an IPv4 CIDR like 203.0.113.0/24`);
  }
}

function str(value: unknown, key: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new StageConfigError(key, `expected a string, got ${JSON.stringify(value)}`);
  return value.trim();
}

function int(value: unknown, key: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new StageConfigError(key, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

function bool(value: unknown, key: string): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new StageConfigError(key, `expected true or false, got ${JSON.stringify(value)}`);
}

function list(value: unknown, key: string): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map((s) => s.trim());
  throw new StageConfigError(key, `expected a comma-separated string or a list of strings, got ${JSON.stringify(value)}`);
}
