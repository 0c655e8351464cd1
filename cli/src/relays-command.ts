import type { Command } from 'commander';
import type { RelayView } from '#domain/relay.js';
import { addAdminApiOptions } from './add-admin-api-options.js';
import type { CliIo } from './cli-io.js';
import { resolveApiTarget } from './config.js';
import { reportErrors } from './report-errors.js';
import { RelaysApiClient } from './relays-api-client.js';

function describe(r: RelayView): string {
  const what = r.push ? `push → ${r.push.join(', ')}` : `pull ← ${r.pull} (${r.mode})`;
  return `${r.id}  ${r.stream}  ${what}${r.owner ? `  owner ${r.owner}` : ''}${r.enabled === false ? '  (disabled)' : ''}`;
}

/**
 * Registers `streamgate relays …`: add (`--stream S --push URL…` or `--stream S --pull URL
 * [--always]`), list, remove ID, disable ID, enable ID. Talks to the relays API like `users` does; URLs are shown
 * redacted (stream keys and passwords never come back). The ingest applies changes within its
 * poll interval (STREAMGATE_RELAY_POLL_SECONDS).
 */
export function registerRelaysCommand(program: Command, io: CliIo): void {
  const relays = addAdminApiOptions(
    program.command('relays').description('manage relays: restream a stream to RTMP(S) targets, or pull a remote RTMP/RTSP/HTTP-FLV source into a stream'),
    'functions API base URL (env STREAMGATE_API_URL, else STREAMGATE_FUNCTIONS_URL, else local)',
  );

  const client = (cmd: Command): RelaysApiClient => {
    const target = resolveApiTarget(cmd.optsWithGlobals() as { api?: string; adminToken?: string; dataDir?: string });
    return new RelaysApiClient(target.apiUrl, target.adminToken, fetch, target.unreachableHint);
  };
  const run = reportErrors(io);

  relays
    .command('add')
    .description('add a relay: --push (restream targets, repeatable) or --pull (one source)')
    .requiredOption('--stream <path>', 'APP/STREAM (push: * patterns allowed, e.g. live/*)')
    .option('--push <url>', 'target rtmp(s)://HOST/APP/KEY or srt://HOST:PORT?streamid=…&passphrase=… (repeat for several; {name} = stream name for patterns)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--pull <url>', 'source rtmp(s)://…, rtsp://[user:pass@]host/path[?transport=udp], http(s)://…/APP/STREAM.flv, srt://HOST:PORT?streamid=…')
    .option('--always', 'pull always (default: on demand, when the first player arrives)')
    .option('--owner <user>', 'the user the relay is for (they must be allowed to publish the stream)')
    .action(
      run(async (opts: { stream: string; push?: string[]; pull?: string; always?: boolean; owner?: string }, cmd: Command) => {
        if ((opts.push === undefined) === (opts.pull === undefined)) throw new Error('give --push URL (one or more) or --pull URL');
        const relay = await client(cmd).add({
          stream: opts.stream,
          ...(opts.push && { push: opts.push }),
          ...(opts.pull !== undefined && { pull: opts.pull, mode: opts.always ? 'always' : 'on-demand' }),
          ...(opts.owner !== undefined && { owner: opts.owner }),
        });
        io.out(`added ${describe(relay)}`);
      }),
    );

  relays
    .command('list')
    .description('list relays (URLs redacted)')
    .option('--json', 'print JSON')
    .action(
      run(async (opts: { json?: boolean }, cmd: Command) => {
        const all = await client(cmd).list();
        io.out(opts.json ? JSON.stringify(all, null, 2) : all.length ? all.map(describe).join('\n') : 'no relays');
      }),
    );

  relays
    .command('remove')
    .description('remove a relay by id (see relays list)')
    .argument('<id>')
    .action(
      run(async (id: string, _opts: unknown, cmd: Command) => {
        await client(cmd).remove(id);
        io.out(`removed ${id}`);
      }),
    );

  for (const [name, enabled, what] of [
    ['disable', false, 'turn a relay off: kept, but the ingest stops it'],
    ['enable', true, 'turn a relay on again'],
  ] as const) {
    relays
      .command(name)
      .description(what)
      .argument('<id>')
      .action(
        run(async (id: string, _opts: unknown, cmd: Command) => {
          io.out(`${enabled ? 'enabled' : 'disabled'} ${describe(await client(cmd).setEnabled(id, enabled))}`);
        }),
      );
  }
}
