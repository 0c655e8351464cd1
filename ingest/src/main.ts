/**
 * Entry of the ingest process as it runs in a container (ECS Fargate): configuration from
 * STREAMGATE_* variables, the functions API at STREAMGATE_FUNCTIONS_URL, graceful stop on SIGTERM.
 * Locally, `npm start` runs the same ingest together with the functions (cli/src/start-local-stack.ts).
 */
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from '#domain/logger.js';
import { createAccessControl, createIamSigner } from './auth/create-access-control.js';
import { createRelaysClient } from './relay/relays-client.js';
import { startIngest } from './start-ingest.js';
import { startedWebAssets } from './servers/http/web/web-assets.js';
import { withAuthMetrics } from './metrics/metrics-auth-log.js';
import { createMetricsSetup } from './metrics/metrics-setup.js';
import { startEmfReporter } from './metrics/emf-reporter.js';
import { createRegistryClient } from './cluster/create-registry-client.js';
import { DynamoReplayCache } from './cluster/dynamo-replay-cache.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`streamgate ingest: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const metrics = createMetricsSetup();
  // Cluster mode: one registry client for the leases and the challenge replay cache.
  const registryClient = config.registryTable !== undefined ? createRegistryClient(config) : undefined;
  const access = createAccessControl(
    config,
    withAuthMetrics(log, metrics.ingest),
    {},
    registryClient ? { replayCache: new DynamoReplayCache(registryClient, config.registryTable!) } : {},
  );
  let stopping = false;
  // SIGTERM (ECS stopTimeout), SIGINT or the admin `shutdown`: drain for STREAMGATE_DRAIN_SECONDS,
  // then exit 0. A second SIGINT skips the rest of the drain.
  const stop = (signal: string): void => {
    if (stopping) {
      if (signal === 'SIGINT') void ingest.close().then(() => process.exit(0));
      return;
    }
    stopping = true;
    log.info('ingest.stopping', { signal, drainSeconds: config.drainSeconds });
    void ingest.drain().then(() => {
      stopEmf?.();
      process.exit(0);
    });
  };
  let stopEmf: (() => void) | undefined;
  // Managed relays come from the same functions API the auth asks (service bearer, or IAM).
  const relaysClient =
    config.functionsUrl === undefined
      ? undefined
      : createRelaysClient({
          functionsUrl: config.functionsUrl,
          serviceToken: config.serviceToken,
          ...(config.functionsAuth === 'iam' ? { sign: createIamSigner(config, config.functionsUrl) } : {}),
        });
  const ingest = await startIngest(config, {
    log,
    // Built from sources now; from dist/web/ (the container) read on the first request.
    webAssets: startedWebAssets(),
    access,
    ...(relaysClient ? { relaysClient } : {}),
    metrics,
    onShutdown: () => stop('admin-shutdown'),
    ...(registryClient ? { registryClient } : {}),
  });
  if (config.metricsEmfSeconds > 0) {
    stopEmf = startEmfReporter({
      metrics,
      intervalSeconds: config.metricsEmfSeconds,
      service: config.metricsService,
      write: (line) => process.stdout.write(`${line}\n`),
    });
  }
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`streamgate ingest: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
