import type { Command } from 'commander';
import { ConfigError, describeConfig, loadConfig } from '#ingest/config.js';
import { describeStartupError } from './describe-startup-error.js';
import { startLocalStack } from './start-local-stack.js';
import { startLocalCluster } from './start-local-cluster.js';
import type { IngestConfig } from '#ingest/config.js';

/**
 * Ends the process for a startup failure the user can fix: invalid settings, including those
 * that only conflict once combined (exit 2), a port in use or a data dir another streamgate
 * holds (exit 1, saying which and what to do). Returns for anything else (the caller rethrows).
 */
function exitOnStartupError(err: unknown, config: IngestConfig | undefined): void {
  if (err instanceof ConfigError) {
    process.stderr.write(`streamgate: invalid configuration: ${err.message}\n`);
    process.exit(2);
  }
  const message = config === undefined ? undefined : describeStartupError(err, config);
  if (message !== undefined) {
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
}

/** `start --cluster N`: functions and store once, N ingest processes, balancers; SIGINT/SIGTERM stop all. */
async function runCluster(config: IngestConfig, size: number): Promise<void> {
  let cluster;
  try {
    cluster = await startLocalCluster(config, { size });
  } catch (err) {
    exitOnStartupError(err, config);
    throw err;
  }
  process.stdout.write(cluster.banner + '\n');
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`streamgate: ${signal}, draining the cluster (up to ${config.drainSeconds} s)…\n`);
    void cluster.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** Registers `streamgate start`: the whole local stack in one process. */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'run streamgate locally: the ingest (RTMP, RTMPS, HTTP, FLV/TS over TCP, RTSP) plus the functions API on an embedded DynamoDB-compatible store',
    )
    .option('--cluster <n>', 'run N ingest processes as one cluster behind a round-robin TCP balancer on the usual ports (docs/cluster.md)')
    .addHelpText('after', `\nConfiguration (environment variables, with defaults):\n${describeConfig()}\n`)
    .action(async (opts: { cluster?: string }) => {
      let config;
      try {
        // Locally, relays may reach machines on the LAN and this one (the AWS stack refuses them).
        config = loadConfig({ STREAMGATE_RELAY_ALLOW_PRIVATE: 'on', ...process.env });
      } catch (err) {
        exitOnStartupError(err, undefined);
        throw err;
      }
      if (opts.cluster !== undefined) {
        await runCluster(config, Number(opts.cluster));
        return;
      }
      let stopping = false;
      // SIGTERM, SIGINT or the admin `shutdown`: drain for STREAMGATE_DRAIN_SECONDS, exit 0. A
      // second SIGINT skips the rest of the drain.
      const stop = (signal: string): void => {
        if (stopping) {
          if (signal === 'SIGINT') void stack.stop().then(() => process.exit(0));
          return;
        }
        stopping = true;
        process.stderr.write(`streamgate: ${signal}, draining (up to ${config.drainSeconds} s)…\n`);
        void stack.drain().then(() => process.exit(0));
      };
      let stack: Awaited<ReturnType<typeof startLocalStack>>;
      try {
        stack = await startLocalStack(config, { onShutdown: () => stop('admin shutdown') });
      } catch (err) {
        exitOnStartupError(err, config);
        throw err;
      }
      process.stdout.write(stack.banner + '\n');
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
