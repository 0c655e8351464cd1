import { fork, type ChildProcess } from 'node:child_process';
import { authBannerLines } from './auth-banner-lines.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalidSetting, type IngestConfig } from '#ingest/config.js';
import { createLocalDynamoClient } from '#functions/local/create-local-dynamo-client.js';
import { LOCAL_SECRET_FILES, startLocalFunctions } from '#functions/local/start-local-functions.js';
import { readOrCreateSecretFile } from '#functions/local/read-or-create-secret-file.js';
import { ensureRegistryTable } from '#ingest/cluster/ensure-registry-table.js';
import { startTcpBalancer, type TcpBalancer } from './tcp-balancer.js';

/** Name of the registry table in the embedded store. */
export const LOCAL_REGISTRY_TABLE = 'streamgate-registry';

/** One ingest process of the cluster. */
export interface ClusterMember {
  readonly index: number;
  readonly child: ChildProcess;
  /** Bound ports by service (`rtmp`, `http`, `rtsp`, `cluster`, `admin`, …). */
  readonly ports: Readonly<Record<string, number>>;
  readonly taskId: string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<number | string | null>;
}

/** The local cluster as `streamgate start --cluster N` runs it. */
export interface LocalCluster {
  readonly members: readonly ClusterMember[];
  readonly functionsUrl: string;
  /** The functions' admin token (the users API) and the embedded store's endpoint. */
  readonly adminToken: string;
  readonly storeEndpoint: string;
  /** Balancer ports by service (`rtmp`, `http`, `rtsp`, `rtsp2`). */
  readonly ports: Readonly<Record<string, number>>;
  readonly banner: string;
  /** SIGTERM to every member (each drains), then the balancers and functions stop. */
  stop(): Promise<void>;
}

/** Options beyond the configuration. */
export interface LocalClusterOptions {
  readonly size: number;
  /** Extra variables for the members (tests: log level, lease timings). */
  readonly env?: Readonly<Record<string, string>>;
  /** Where the members' stdout/stderr go; default inherited. */
  readonly stdio?: 'inherit' | 'pipe' | 'ignore';
}

const MEMBER_ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'cluster-member.ts');
const MEMBER_READY_MS = 30_000;

function splitRange(range: string, parts: number): string[] {
  const [from, to] = range.split('-').map(Number) as [number, number];
  const size = Math.floor((to - from + 1) / parts);
  if (size < 4) throw invalidSetting('STREAMGATE_RTP_PORTS', `${range} is too small to split over ${parts} ingest processes`);
  return Array.from({ length: parts }, (_, i) => `${from + i * size}-${from + (i + 1) * size - 1}`);
}

/**
 * Starts the functions and the embedded store once, the registry table in it, `size` ingest
 * processes in cluster mode sharing them (every media port ephemeral, the cluster pull port on
 * loopback), and round-robin TCP balancers on the usual RTMP, RTSP and HTTP ports.
 */
export async function startLocalCluster(config: IngestConfig, options: LocalClusterOptions): Promise<LocalCluster> {
  if (!(options.size >= 1 && options.size <= 16)) throw invalidSetting('--cluster', `expected 1-16 ingest processes, got ${options.size}`);
  if (config.functionsUrl !== undefined) throw invalidSetting('STREAMGATE_FUNCTIONS_URL', 'a local cluster runs its own functions and store; unset it');
  const functions = await startLocalFunctions({
    dataDir: config.dataDir,
    port: config.functionsPort,
    ...(config.teaSecret !== undefined ? { teaSecret: config.teaSecret } : {}),
    aclTtlSeconds: config.aclTtlSeconds,
  });
  const members: ClusterMember[] = [];
  const balancers: TcpBalancer[] = [];
  const stopAll = async (): Promise<void> => {
    for (const m of members) if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill('SIGTERM');
    await Promise.race([Promise.all(members.map((m) => m.exited)), new Promise((r) => setTimeout(r, (config.drainSeconds + 5) * 1000))]);
    for (const m of members) if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill('SIGKILL');
    await Promise.all(balancers.map((b) => b.close()));
    await functions.close();
  };
  try {
    const client = createLocalDynamoClient(functions.storeEndpoint);
    try {
      await ensureRegistryTable(client, LOCAL_REGISTRY_TABLE);
    } finally {
      client.destroy();
    }
    // Shared by every member: the pull port's bearer and the segment-token key (kept in the data dir).
    const clusterToken = config.clusterToken ?? readOrCreateSecretFile(join(config.dataDir, 'cluster-token'));
    const segmentKey = config.segmentTokenKey ?? readOrCreateSecretFile(join(config.dataDir, 'segment-token-key'), () => randomBytes(24).toString('base64url'));
    const rtpRanges = splitRange(config.rtpPortRange, options.size);
    const started = await Promise.all(
      Array.from({ length: options.size }, (_, index) =>
        forkMember(index, {
          ...(process.env as Record<string, string>),
          STREAMGATE_HOST: '127.0.0.1',
          STREAMGATE_RTMP_PORT: '0',
          STREAMGATE_HTTP_PORT: '0',
          STREAMGATE_RTSP_PORTS: config.rtspPorts.map(() => '0').join(','),
          STREAMGATE_FLV_PORT: '0',
          STREAMGATE_TS_PORT: '0',
          STREAMGATE_SRT_PORT: '0',
          STREAMGATE_ADMIN_PORT: '0',
          STREAMGATE_RTMPS_PORT: '0',
          STREAMGATE_HEALTH_PORT: '',
          STREAMGATE_RELAY_FLV_PORT: '0',
          STREAMGATE_RTP_PORTS: rtpRanges[index]!,
          STREAMGATE_FUNCTIONS_URL: functions.url,
          STREAMGATE_TEA_SECRET: functions.teaSecret,
          STREAMGATE_SERVICE_TOKEN: config.serviceToken ?? functions.serviceToken,
          STREAMGATE_REGISTRY_TABLE: LOCAL_REGISTRY_TABLE,
          STREAMGATE_REGISTRY_ENDPOINT: functions.storeEndpoint,
          STREAMGATE_CLUSTER_PORT: '0',
          STREAMGATE_CLUSTER_HOST: '127.0.0.1',
          STREAMGATE_CLUSTER_ADVERTISE: '127.0.0.1',
          STREAMGATE_CLUSTER_TOKEN: clusterToken,
          // The web console on every member (one cluster-wide view on any of them) and the admin line protocol.
          STREAMGATE_ADMIN_TOKEN: config.adminToken ?? functions.adminToken,
          STREAMGATE_SEGMENT_TOKEN_KEY: segmentKey,
          // Behind the local balancer every client comes from 127.0.0.1.
          STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS: process.env.STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS ?? String(config.maxConnections),
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          ...options.env,
        }, options.stdio ?? 'inherit'),
      ),
    );
    members.push(...started);
    const alive = (service: string) => () => members.filter((m) => m.child.exitCode === null && m.child.signalCode === null).map((m) => m.ports[service]!).filter((p) => p !== undefined);
    const ports: Record<string, number> = {};
    const balance = async (service: string, port: number): Promise<void> => {
      const b = await startTcpBalancer(config.host, port, alive(service));
      balancers.push(b);
      ports[service] = b.port;
    };
    await balance('rtmp', config.rtmpPort);
    await balance('http', config.httpPort);
    for (const [i, p] of config.rtspPorts.entries()) await balance(i === 0 ? 'rtsp' : `rtsp${i + 1}`, Number(p));
    const host = config.publicHost ?? (config.host === '0.0.0.0' ? hostname() : config.host);
    const lines = [
      `streamgate cluster: ${options.size} ingest processes behind a round-robin TCP balancer`,
      `  publish/play  rtmp://${host}:${ports.rtmp}/live/STREAM`,
      `  HTTP-FLV      http://${host}:${ports.http}/live/STREAM.flv`,
      `  HLS           http://${host}:${ports.http}/live/STREAM/index.m3u8`,
      `  web console   http://${host}:${ports.http}/console  (every stream of the cluster; admin token: ${config.adminToken !== undefined ? 'STREAMGATE_ADMIN_TOKEN' : join(config.dataDir, LOCAL_SECRET_FILES.adminToken)})`,
      ...Object.entries(ports)
        .filter(([n]) => n.startsWith('rtsp'))
        .map(([, p]) => `  RTSP          rtsp://${host}:${p}/live/STREAM`),
      ...members.map(
        (m) => `  process ${m.index + 1}     pid ${m.child.pid}  rtmp ${m.ports.rtmp}  http ${m.ports.http}  rtsp ${m.ports.rtsp}  admin ${m.ports.admin}  cluster ${m.ports.cluster}`,
      ),
      `  functions API ${functions.url}  (users: npx streamgate users --help)`,
      ...authBannerLines(config),
      `  registry      table ${LOCAL_REGISTRY_TABLE} in the embedded store ${functions.storeEndpoint}`,
      `  data          ${config.dataDir}`,
    ];
    return { members, functionsUrl: functions.url, adminToken: functions.adminToken, storeEndpoint: functions.storeEndpoint, ports, banner: lines.join('\n'), stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function forkMember(index: number, env: Record<string, string>, stdio: 'inherit' | 'pipe' | 'ignore'): Promise<ClusterMember> {
  const child = fork(MEMBER_ENTRY, [], { env, execArgv: ['--import', 'tsx'], stdio: [stdio === 'inherit' ? 'inherit' : 'ignore', stdio, stdio, 'ipc'] });
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ingest process ${index + 1} did not start within ${MEMBER_READY_MS} ms`)), MEMBER_READY_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ingest process ${index + 1} exited (${code}) before it was ready`));
    });
    child.on('message', (msg: { type?: string; ports?: Record<string, number>; taskId?: string }) => {
      if (msg.type !== 'ready') return;
      clearTimeout(timer);
      resolve({ index, child, ports: msg.ports ?? {}, taskId: msg.taskId ?? '', exited });
    });
  });
}
