import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { User } from '../../domain/src/user.js';
import { ApiError } from './api-error.js';
import type { CliIo } from './cli-io.js';
import { resolveApiTarget } from './config.js';
import { parseApplicationXmlProperties } from './parse-application-xml-properties.js';
import { parseWowzaPasswordFile } from './parse-wowza-password-file.js';
import { UsersApiClient } from './users-api-client.js';

const list = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

function describeUser(u: User): string {
  return [
    `name:      ${u.name}`,
    `enabled:   ${u.enabled ? 'yes' : 'no'}`,
    `publish:   ${u.grants.publish.join(', ') || '-'}`,
    `play:      ${u.grants.play.join(', ') || '-'}`,
    `ip ranges: ${u.ipRanges.join(', ') || 'any'}`,
    `version:   ${u.version}`,
    `created:   ${u.createdAt}`,
    `updated:   ${u.updatedAt}`,
  ].join('\n');
}

function table(users: User[]): string {
  const rows = [['NAME', 'ENABLED', 'PUBLISH', 'PLAY'], ...users.map((u) => [u.name, u.enabled ? 'yes' : 'no', u.grants.publish.join(',') || '-', u.grants.play.join(',') || '-'])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

/**
 * Registers `streamgate users …`: add, list, show, update, passwd, grant, revoke, disable, enable,
 * remove, import. Talks to the users API (`--api`, `--admin-token`, or the local defaults).
 * API errors print `error: CODE: message` and set exit code 1.
 */
export function registerUsersCommand(program: Command, io: CliIo): void {
  const users = program
    .command('users')
    .description('manage publishing/playing users through the users API (local by default, or --api URL)')
    .addOption(new Option('--api <url>', 'users API base URL (env STREAMGATE_API_URL, default http://127.0.0.1:3000)'))
    .addOption(new Option('--admin-token <token>', 'admin bearer token (env STREAMGATE_ADMIN_TOKEN, default: the admin-token file in the data dir)'))
    .addOption(new Option('--data-dir <dir>', 'local data dir holding admin-token (env STREAMGATE_DATA_DIR, default ./.data)'));

  const client = (cmd: Command): UsersApiClient => {
    const flags = cmd.optsWithGlobals() as { api?: string; adminToken?: string; dataDir?: string };
    const target = resolveApiTarget(flags);
    return new UsersApiClient(target.apiUrl, target.adminToken);
  };

  const run =
    <A extends unknown[]>(fn: (...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      try {
        await fn(...args);
      } catch (err) {
        if (err instanceof ApiError) io.err(`error: ${err.code}${err.field ? ` (${err.field})` : ''}: ${err.message}`);
        else io.err(`error: ${(err as Error).message}`);
        process.exitCode = 1;
      }
    };

  const password = async (opts: { password?: string; passwordStdin?: boolean }): Promise<string> => {
    if (opts.password !== undefined && opts.passwordStdin) throw new Error('give --password or --password-stdin, not both');
    if (opts.password !== undefined) return opts.password;
    if (opts.passwordStdin) return (await io.readStdin()).replace(/\r?\n$/, '');
    throw new Error('a password is required: --password P or --password-stdin');
  };

  users
    .command('add')
    .description('create a user')
    .argument('<name>', 'user name ([A-Za-z0-9._-], up to 64)')
    .option('--password <password>', 'password (visible to other local users in ps; prefer --password-stdin)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--streams <list>', 'comma-separated stream patterns the user may publish (STREAM or APP/STREAM, * wildcards)', list, [])
    .option('--play <list>', 'comma-separated stream patterns the user may play', list, [])
    .option('--ip-ranges <list>', 'comma-separated CIDR ranges the user may connect from', list, [])
    .option('--disabled', 'create the user disabled')
    .action(
      run(async (name: string, opts, cmd: Command) => {
        const user = await client(cmd).create({
          name,
          password: await password(opts),
          enabled: !opts.disabled,
          grants: { publish: opts.streams, play: opts.play },
          ipRanges: opts.ipRanges,
        });
        io.out(`created ${user.name}`);
      }),
    );

  users
    .command('list')
    .description('list users')
    .option('--json', 'print JSON')
    .action(
      run(async (opts, cmd: Command) => {
        const all = await client(cmd).listAll();
        io.out(opts.json ? JSON.stringify(all, null, 2) : all.length ? table(all) : 'no users');
      }),
    );

  users
    .command('show')
    .description('show one user (never its password)')
    .argument('<name>')
    .option('--json', 'print JSON')
    .action(
      run(async (name: string, opts, cmd: Command) => {
        const user = await client(cmd).show(name);
        io.out(opts.json ? JSON.stringify(user, null, 2) : describeUser(user));
      }),
    );

  users
    .command('update')
    .description('replace a user\'s publish/play grants or IP ranges (omitted ones stay; "none" empties a list)')
    .argument('<name>')
    .option('--streams <list>', 'comma-separated publish patterns (replaces the list)')
    .option('--play <list>', 'comma-separated play patterns (replaces the list)')
    .option('--ip-ranges <list>', 'comma-separated CIDR ranges (replaces the list; "none" = from anywhere)')
    .action(
      run(async (name: string, opts: { streams?: string; play?: string; ipRanges?: string }, cmd: Command) => {
        const parse = (v: string | undefined) => (v === undefined ? undefined : v.trim() === 'none' ? [] : list(v));
        const c = client(cmd);
        const current = await c.show(name);
        const publish = parse(opts.streams);
        const play = parse(opts.play);
        const ipRanges = parse(opts.ipRanges);
        if (!publish && !play && !ipRanges) throw new Error('give --streams, --play and/or --ip-ranges');
        const user = await c.update(name, {
          grants: publish || play ? { publish: publish ?? current.grants.publish, play: play ?? current.grants.play } : undefined,
          ipRanges,
          version: current.version,
        });
        io.out(describeUser(user));
      }),
    );

  users
    .command('passwd')
    .description("set a user's password")
    .argument('<name>')
    .option('--password <password>', 'new password')
    .option('--password-stdin', 'read the new password from stdin')
    .action(
      run(async (name: string, opts, cmd: Command) => {
        await client(cmd).setPassword(name, await password(opts));
        io.out(`password of ${name} changed`);
      }),
    );

  for (const [verb, what] of [
    ['grant', 'add stream grants'],
    ['revoke', 'remove stream grants'],
  ] as const) {
    users
      .command(verb)
      .description(what)
      .argument('<name>')
      .option('--streams <list>', 'comma-separated publish patterns', list, [])
      .option('--play <list>', 'comma-separated play patterns', list, [])
      .action(
        run(async (name: string, opts, cmd: Command) => {
          if (opts.streams.length === 0 && opts.play.length === 0) throw new Error('give --streams and/or --play');
          const c = client(cmd);
          const user = verb === 'grant' ? await c.grant(name, { publish: opts.streams, play: opts.play }) : await c.revoke(name, { publish: opts.streams, play: opts.play });
          io.out(`${user.name}: publish ${user.grants.publish.join(', ') || '-'}; play ${user.grants.play.join(', ') || '-'}`);
        }),
      );
  }

  for (const verb of ['disable', 'enable'] as const) {
    users
      .command(verb)
      .description(verb === 'disable' ? 'disable a user (no token, no ACL grant until enabled)' : 'enable a disabled user')
      .argument('<name>')
      .action(
        run(async (name: string, _opts, cmd: Command) => {
          const c = client(cmd);
          await (verb === 'enable' ? c.enable(name) : c.disable(name));
          io.out(`${name} ${verb}d`);
        }),
      );
  }

  users
    .command('remove')
    .description('delete a user')
    .argument('<name>')
    .action(
      run(async (name: string, _opts, cmd: Command) => {
        await client(cmd).remove(name);
        io.out(`removed ${name}`);
      }),
    );

  users
    .command('import')
    .description("import Wowza users: conf/publish.password ('user password' lines) and, optionally, user → stream properties of Application.xml")
    .argument('<publish.password>', 'Wowza publish.password file')
    .option('--application-xml <file>', 'Wowza Application.xml whose <Property> Name=user Value=stream gives each user its publish stream')
    .action(
      run(async (file: string, opts: { applicationXml?: string }, cmd: Command) => {
        const { entries, rejected } = parseWowzaPasswordFile(readFileSync(file, 'utf8'));
        const streams = opts.applicationXml ? parseApplicationXmlProperties(readFileSync(opts.applicationXml, 'utf8')) : new Map<string, string>();
        const c = client(cmd);
        let created = 0;
        for (const e of entries) {
          const stream = streams.get(e.name);
          try {
            await c.create({ name: e.name, password: e.password, grants: { publish: stream ? [stream] : [] } });
            created++;
            io.out(`line ${e.line}: created ${e.name}${stream ? ` (publish ${stream})` : ' (no stream grant)'}`);
          } catch (err) {
            if (!(err instanceof ApiError) || err.status === 0 || err.status === 401) throw err;
            rejected.push({ line: e.line, reason: `${e.name}: ${err.code}${err.field ? ` (${err.field})` : ''}: ${err.message}` });
          }
        }
        rejected.sort((a, b) => a.line - b.line);
        for (const r of rejected) io.err(`${file}:${r.line}: rejected: ${r.reason}`);
        io.out(`imported ${created} user${created === 1 ? '' : 's'}, rejected ${rejected.length} line${rejected.length === 1 ? '' : 's'}`);
        if (rejected.length > 0) process.exitCode = 1;
      }),
    );
}
