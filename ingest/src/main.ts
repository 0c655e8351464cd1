/**
 * Entry of the ingest process as it runs in a container (ECS Fargate): configuration from
 * STREAMGATE_* variables, the functions API at STREAMGATE_FUNCTIONS_URL, graceful stop on SIGTERM.
 * Locally, `npm start` runs the same ingest together with the functions (cli/src/start-local-stack.ts).
 */
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { createAccessControl } from './auth/create-access-control.js';
import { startIngest } from './start-ingest.js';

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
  const access = createAccessControl(config, log);
  const ingest = await startIngest(config, { log, access });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('ingest.stopping', { signal });
    void ingest.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`streamgate ingest: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
