import type { Command } from 'commander';
import { ConfigError, describeConfig, loadConfig } from '../../ingest/src/config.js';
import { startLocalStack } from './start-local-stack.js';

/** Registers `streamgate start`: the whole local stack in one process. */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'run streamgate locally: the ingest (RTMP, RTMPS, HTTP, FLV/TS over TCP, RTSP) plus the functions API on an embedded DynamoDB-compatible store',
    )
    .addHelpText('after', `\nConfiguration (environment variables, with defaults):\n${describeConfig()}\n`)
    .action(async () => {
      let config;
      try {
        config = loadConfig();
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`streamgate: invalid configuration: ${err.message}\n`);
          process.exit(2);
        }
        throw err;
      }
      const stack = await startLocalStack(config);
      process.stdout.write(stack.banner + '\n');
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`streamgate: ${signal}, draining…\n`);
        void stack.stop().then(() => process.exit(0));
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
