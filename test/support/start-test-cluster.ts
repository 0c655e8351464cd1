import { type LocalCluster, startLocalCluster } from '#cli/start-local-cluster.js';
import { loadConfig } from '#ingest/config.js';
import { freePort } from './wait.js';

/** What a cluster test sets: where its data lives, how fast leases move, and any extra settings. */
export interface TestClusterOptions {
  readonly dataDir: string;
  readonly leaseTtlMs: number;
  readonly heartbeatMs: number;
  readonly drainSeconds: number;
  /** First port of the random high block the members' RTP ranges are cut from. */
  readonly rtpBlockStart: number;
  /** More STREAMGATE_* settings for every member. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Three ingest processes behind `streamgate start --cluster`'s balancers, on free ports, as the
 * cluster e2e tests run them. CLUSTER_TEST_STDIO=inherit and CLUSTER_TEST_LOG_LEVEL show the
 * members' logs when a test needs reading.
 */
export async function startTestCluster(options: TestClusterOptions): Promise<LocalCluster> {
  const [rtmp, http, rtsp, functionsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const drain = String(options.drainSeconds);
  const config = loadConfig({
    STREAMGATE_HOST: '127.0.0.1',
    STREAMGATE_RTMP_PORT: String(rtmp),
    STREAMGATE_HTTP_PORT: String(http),
    STREAMGATE_RTSP_PORTS: String(rtsp),
    STREAMGATE_FUNCTIONS_PORT: String(functionsPort),
    STREAMGATE_DATA_DIR: options.dataDir,
    STREAMGATE_RTP_PORTS: '0-0',
    STREAMGATE_DRAIN_SECONDS: drain,
  });
  // The RTP range is split per process: give each a few ports of a random high block.
  const base = options.rtpBlockStart + Math.floor(Math.random() * 2000) * 10;
  return startLocalCluster(
    { ...config, rtpPortRange: `${base}-${base + 29}` },
    {
      size: 3,
      stdio: (process.env.CLUSTER_TEST_STDIO as 'inherit' | undefined) ?? 'ignore',
      env: {
        STREAMGATE_LOG_LEVEL: process.env.CLUSTER_TEST_LOG_LEVEL ?? 'warn',
        STREAMGATE_LEASE_TTL_MS: String(options.leaseTtlMs),
        STREAMGATE_LEASE_HEARTBEAT_MS: String(options.heartbeatMs),
        STREAMGATE_EDGE_LINGER_MS: '2000',
        STREAMGATE_DRAIN_SECONDS: drain,
        ...options.env,
      },
    },
  );
}
