/**
 * One ingest process of a local cluster (`streamgate start --cluster N`), forked by
 * start-local-cluster.ts with its settings in STREAMGATE_* variables: the functions, the embedded
 * store and the registry table belong to the parent. Reports its bound ports to the parent over
 * the IPC channel, drains on SIGTERM.
 */
import { loadConfig } from '#ingest/config.js';
import { createLogger } from '#domain/logger.js';
import { createAccessControl } from '#ingest/auth/create-access-control.js';
import { createRegistryClient } from '#ingest/cluster/create-registry-client.js';
import { DynamoReplayCache } from '#ingest/cluster/dynamo-replay-cache.js';
import { withAuthMetrics } from '#ingest/metrics/metrics-auth-log.js';
import { createMetricsSetup } from '#ingest/metrics/metrics-setup.js';
import { createRelaysClient } from '#ingest/relay/relays-client.js';
import { startIngest } from '#ingest/start-ingest.js';

async function member(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const metrics = createMetricsSetup();
  const registryClient = createRegistryClient(config);
  const access = createAccessControl(config, withAuthMetrics(log, metrics.ingest), {}, {
    replayCache: new DynamoReplayCache(registryClient, config.registryTable!),
  });
  // Managed relays from the parent's functions, as a deployed task reads them (main.ts).
  const relaysClient =
    config.functionsUrl !== undefined && config.serviceToken !== undefined
      ? createRelaysClient({ functionsUrl: config.functionsUrl, serviceToken: config.serviceToken })
      : undefined;
  const ingest = await startIngest(config, { log, access, metrics, registryClient, ...(relaysClient ? { relaysClient } : {}) });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void ingest.drain().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  // The parent's terminal sends SIGINT to the whole group: the parent decides.
  process.on('SIGINT', () => undefined);
  process.on('disconnect', stop);
  process.send?.({ type: 'ready', ports: ingest.ports, taskId: ingest.context.cluster?.taskId });
}

member().catch((err: unknown) => {
  process.stderr.write(`streamgate cluster member: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
