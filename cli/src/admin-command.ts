import { type Command, Option } from 'commander';
import { ADMIN_COMMANDS } from '#ingest/protocols/admin/parse-admin-request.js';
import type { CliIo } from './cli-io.js';
import { resolveAdminTarget } from './config.js';
import { AdminConnectError, sendAdminRequest } from './send-admin-request.js';

type AdminName = keyof typeof ADMIN_COMMANDS;

/** Short names a person types, beside the protocol's own (matched case-insensitively). */
const ALIASES: Record<string, AdminName> = {
  list: 'listStreams',
  streams: 'listStreams',
  connections: 'listConnections',
  relays: 'listRelays',
  info: 'streamInfo',
  drop: 'dropStream',
};

function commandName(typed: string): AdminName | undefined {
  const lower = typed.toLowerCase();
  return ALIASES[lower] ?? (Object.keys(ADMIN_COMMANDS) as AdminName[]).find((n) => n.toLowerCase() === lower);
}

function usage(): string {
  const rows = (Object.entries(ADMIN_COMMANDS) as [AdminName, (typeof ADMIN_COMMANDS)[AdminName]][]).map(([name, c]) => {
    const alias = Object.entries(ALIASES)
      .filter(([, n]) => n === name)
      .map(([a]) => a);
    return [`${name}${c.args.map((a) => ` <${a}>`).join('')}`, `${c.description}${alias.length ? ` (also: ${alias.join(', ')})` : ''}`];
  });
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`).join('\n');
}

/**
 * Registers `streamgate admin <command> [args]`: one request to the admin line protocol of a
 * running streamgate (127.0.0.1:1112 by default), with the admin token from the data dir, the
 * answer printed as JSON. A FAIL answer or an unreachable listener exits 1 with one line saying why.
 */
export function registerAdminCommand(program: Command, io: CliIo): void {
  program
    .command('admin')
    .description('send one command to a running streamgate\'s admin listener (list streams, kick a connection, drop a stream, …)')
    .argument('<command>', 'admin command (see below)')
    .argument('[args...]', 'its argument: a connection id (kick) or APP/STREAM (streamInfo, dropStream); or key=value')
    .addOption(new Option('--host <host>', 'admin listener address (env STREAMGATE_ADMIN_HOST, default 127.0.0.1)'))
    .addOption(new Option('--port <port>', 'admin listener port (env STREAMGATE_ADMIN_PORT, default 1112)'))
    .addOption(new Option('--admin-token <token>', 'admin token (env STREAMGATE_ADMIN_TOKEN, default: the admin-token file in the data dir)'))
    .addOption(new Option('--data-dir <dir>', 'local data dir holding admin-token (env STREAMGATE_DATA_DIR, default ./.data)'))
    .addHelpText('after', `\nCommands:\n${usage()}\n\nExamples:\n  npx streamgate admin list\n  npx streamgate admin kick c7\n  npx streamgate admin drop live/cam1\n`)
    .action(async (typed: string, args: string[], opts: { host?: string; port?: string; adminToken?: string; dataDir?: string }) => {
      try {
        const name = commandName(typed);
        if (name === undefined) throw new Error(`unknown admin command "${typed}"; one of: ${Object.keys(ADMIN_COMMANDS).join(', ')}`);
        const spec = ADMIN_COMMANDS[name];
        const request: Record<string, unknown> = { command: name };
        const positional = args.filter((a) => !/^[A-Za-z]+=/.test(a));
        for (const a of args.filter((x) => /^[A-Za-z]+=/.test(x))) request[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1);
        spec.args.forEach((arg, i) => {
          if (request[arg] === undefined && positional[i] !== undefined) request[arg] = positional[i];
          if (request[arg] === undefined) throw new Error(`${name} needs <${arg}>: npx streamgate admin ${name} <${arg}>`);
        });
        if (positional.length > spec.args.length) throw new Error(`${name} takes ${spec.args.length ? spec.args.map((a) => `<${a}>`).join(' ') : 'no arguments'}`);
        const target = resolveAdminTarget(opts);
        if (target.token !== undefined) request.token = target.token;
        let answer;
        try {
          answer = await sendAdminRequest(target.host, target.port, request);
        } catch (err) {
          if (err instanceof AdminConnectError && (err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'timeout')) {
            const which =
              target.portFrom === 'the default'
                ? 'If it runs with another STREAMGATE_ADMIN_PORT, set the same one here or pass --port'
                : `This used ${target.portFrom}=${target.port}; it must match the running server's STREAMGATE_ADMIN_PORT`;
            throw new Error(`${err.message}\nhint: is streamgate running (npm start)? ${which}.`, { cause: err });
          }
          throw err;
        }
        if (answer.status !== 'SUCCESS') {
          const tokenHint =
            answer.code === 'ADMIN_UNAUTHORIZED'
              ? `\nhint: ${target.token === undefined ? 'no admin token found: ' : 'the token sent does not match: '}pass --admin-token, set STREAMGATE_ADMIN_TOKEN, or --data-dir of the running server`
              : '';
          throw new Error(`${answer.code ?? 'FAIL'}: ${answer.description ?? 'failed'}${tokenHint}`);
        }
        io.out(answer.data === undefined ? (answer.description ?? 'ok') : JSON.stringify(answer.data, null, 2));
      } catch (err) {
        io.err(`error: ${(err as Error).message}`);
        process.exitCode = 1;
      }
    });
}
