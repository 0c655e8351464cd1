import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import type { User } from '#domain/user.js';
import { addAdminApiOptions } from './add-admin-api-options.js';
import { ApiError } from './api-error.js';
import type { CliIo } from './cli-io.js';
import { resolveApiTarget } from './config.js';
import { reportErrors } from './report-errors.js';
import { parseApplicationXmlProperties } from './parse-application-xml-properties.js';
import { parseWowzaPasswordFile } from './parse-wowza-password-file.js';
import { UsersApiClient } from './users-api-client.js';

const list = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/**
 * A comma-separated option value where `none` means the empty list. An empty value is refused:
 * `--streams ''` (an unset shell variable) would otherwise quietly make a user with no grants.
 */
const listOrNone = (what: string) => (value: string): string[] => {
  if (value.trim().toLowerCase() === 'none') return [];
  const items = list(value);
  if (items.length === 0) throw new InvalidArgumentError(`empty: give ${what}, or none for no ${what}`);
  return items;
};

/** A comma-separated list of patterns to add or remove: `none` and empty make no sense here. */
const patterns = (value: string): string[] => {
  const items = list(value);
  if (items.length === 0) throw new InvalidArgumentError('empty: give one or more comma-separated patterns');
  if (items.some((p) => p.toLowerCase() === 'none')) throw new InvalidArgumentError('none is not a pattern here (to empty a list: users update NAME --play none)');
  return items;
};

/** Notes for IP ranges the API wrote differently from how they were typed (`10.0.0.0` → `/32`). */
function rangeNotes(typed: string[], stored: string[]): string[] {
  return typed.flatMap((t, i) => {
    const s = stored[i];
    if (s === undefined || s === t) return [];
    const single = !t.includes('/');
    return [
      `note: IP range ${t} was stored as ${s}${single ? ` (one address; for a network give the prefix length, e.g. ${t}/24)` : ' (written canonically)'}`,
    ];
  });
}

const byName = (a: User, b: User) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.name.localeCompare(b.name);

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

/** Reads a text file the user named, with a one-line error instead of a raw ENOENT. */
function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new Error(`cannot read the ${what} ${file}: ${why}`, { cause: err });
  }
}

/**
 * Registers `streamgate users …`: add, list, show, update, passwd, grant, revoke, disable, enable,
 * remove, import. Talks to the users API (`--api`, `--admin-token`, or the local defaults).
 * API errors print `error: CODE: message` and set exit code 1.
 */
export function registerUsersCommand(program: Command, io: CliIo): void {
  const users = addAdminApiOptions(
    program.command('users').description('manage publishing/playing users through the users API (local by default, or --api URL)'),
    'users API base URL (env STREAMGATE_API_URL, else STREAMGATE_FUNCTIONS_URL, else http://127.0.0.1:$STREAMGATE_FUNCTIONS_PORT, default port 3000)',
  );

  const client = (cmd: Command): UsersApiClient => {
    const flags = cmd.optsWithGlobals() as { api?: string; adminToken?: string; dataDir?: string };
    const target = resolveApiTarget(flags);
    return new UsersApiClient(target.apiUrl, target.adminToken, fetch, target.unreachableHint);
  };

  const run = reportErrors(io);

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
    .option('--streams <list>', 'comma-separated stream patterns the user may publish (STREAM or APP/STREAM, * wildcards; none = none)', listOrNone('publish grants'), [])
    .option('--play <list>', 'comma-separated stream patterns the user may play (none = none)', listOrNone('play grants'), [])
    .option('--ip-ranges <list>', 'comma-separated CIDR ranges the user may connect from (default: anywhere)', listOrNone('IP ranges'), [])
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
        for (const note of rangeNotes(opts.ipRanges, user.ipRanges)) io.err(note);
      }),
    );

  users
    .command('list')
    .description('list users')
    .option('--json', 'print JSON')
    .action(
      run(async (opts, cmd: Command) => {
        const all = (await client(cmd).listAll()).sort(byName);
        io.out(opts.json ? JSON.stringify(all, null, 2) : all.length ? table(all) : 'no users');
      }),
    );

  users
    .command('re-encrypt')
    .description('rewrite every stored password under the current password key (after adding a key to the ring; see docs/deploy-aws.md)')
    .option('--json', 'print JSON')
    .action(
      run(async (opts, cmd: Command) => {
        const total = await client(cmd).reEncryptAll();
        if (opts.json) io.out(JSON.stringify(total, null, 2));
        else {
          io.out(`${total.reEncrypted} of ${total.scanned} users re-encrypted; the others were already under the current key`);
          for (const f of total.failed) io.out(`  ${f.name}: ${f.code} (no key of the ring decrypts it: set a new password with users passwd)`);
        }
        if (total.failed.length > 0) process.exitCode = 1;
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
    .description('replace the lists you name (publish grants, play grants, IP ranges); the others stay as they are')
    .argument('<name>')
    .option('--streams <list>', 'comma-separated publish patterns (replaces the publish list; none = empty it)', listOrNone('publish grants'))
    .option('--play <list>', 'comma-separated play patterns (replaces the play list; none = empty it)', listOrNone('play grants'))
    .option('--ip-ranges <list>', 'comma-separated CIDR ranges (replaces the list; none = from anywhere)', listOrNone('IP ranges'))
    .action(
      run(async (name: string, opts: { streams?: string[]; play?: string[]; ipRanges?: string[] }, cmd: Command) => {
        const { streams: publish, play, ipRanges } = opts;
        if (!publish && !play && !ipRanges) throw new Error('give --streams, --play and/or --ip-ranges');
        // The API replaces only the lists sent: the same partial update as PATCH /users/{name}.
        const user = await client(cmd).update(name, {
          grants: publish || play ? { ...(publish ? { publish } : {}), ...(play ? { play } : {}) } : undefined,
          ipRanges,
        });
        io.out(describeUser(user));
        for (const note of rangeNotes(ipRanges ?? [], user.ipRanges)) io.err(note);
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
      .option('--streams <list>', 'comma-separated publish patterns', patterns, [])
      .option('--play <list>', 'comma-separated play patterns', patterns, [])
      .action(
        run(async (name: string, opts, cmd: Command) => {
          if (opts.streams.length === 0 && opts.play.length === 0) throw new Error('give --streams and/or --play');
          const c = client(cmd);
          // Granting what the user already has changes nothing: say so rather than succeed silently.
          const before = verb === 'grant' ? await c.show(name) : undefined;
          const user = verb === 'grant' ? await c.grant(name, { publish: opts.streams, play: opts.play }) : await c.revoke(name, { publish: opts.streams, play: opts.play });
          if (before) {
            for (const list of ['publish', 'play'] as const) {
              const held = new Set(before.grants[list].map((p) => p.toLowerCase()));
              const already = (list === 'publish' ? opts.streams : opts.play).filter((p: string) => held.has(p.toLowerCase()));
              if (already.length) io.err(`note: ${name} already had ${list} ${already.join(', ')}`);
            }
          }
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
    .option('--upsert', 'update users that exist: set their password and add the stream grant (other grants stay), so the import can be re-run')
    .action(
      run(async (file: string, opts: { applicationXml?: string; upsert?: boolean }, cmd: Command) => {
        const { entries, rejected } = parseWowzaPasswordFile(readText(file, 'Wowza publish.password file'));
        const streams = opts.applicationXml ? parseApplicationXmlProperties(readText(opts.applicationXml, 'Application.xml')) : new Map<string, string>();
        const c = client(cmd);
        let created = 0;
        let updated = 0;
        let existed = 0;
        for (const e of entries) {
          const stream = streams.get(e.name);
          try {
            try {
              await c.create({ name: e.name, password: e.password, grants: { publish: stream ? [stream] : [] } });
              created++;
              io.out(`line ${e.line}: created ${e.name}${stream ? ` (publish ${stream})` : ' (no stream grant)'}`);
            } catch (err) {
              if (!(err instanceof ApiError) || err.code !== 'user_exists') throw err;
              if (!opts.upsert) {
                existed++;
                io.out(`line ${e.line}: ${e.name} exists, left as is (--upsert updates it)`);
                continue;
              }
              await c.setPassword(e.name, e.password);
              if (stream) await c.grant(e.name, { publish: [stream] });
              updated++;
              io.out(`line ${e.line}: updated ${e.name} (password${stream ? `, publish ${stream} added` : ''})`);
            }
          } catch (err) {
            if (!(err instanceof ApiError) || err.status === 0 || err.status === 401 || err.status === 429) throw err;
            rejected.push({ line: e.line, reason: `${e.name}: ${err.code}${err.field ? ` (${err.field})` : ''}: ${err.message}` });
          }
        }
        rejected.sort((a, b) => a.line - b.line);
        for (const r of rejected) io.err(`${file}:${r.line}: rejected: ${r.reason}`);
        const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
        io.out(
          `imported ${n(created, 'user')}${opts.upsert ? `, updated ${updated}` : existed ? `, ${existed} already existed` : ''}, rejected ${n(rejected.length, 'line')}`,
        );
        if (rejected.length > 0) process.exitCode = 1;
      }),
    );
}
