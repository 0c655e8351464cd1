import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { teaDecrypt, teaEncrypt } from '#domain/tea.js';
import { createProgram } from '#cli/create-program.js';
import { useLocalFunctions } from '../support/use-local-functions.js';
import { runCliInProcess as cli, spawnCli } from '../support/cli-runner.js';

const fns = useLocalFunctions('sg-cli-');

const api = () => ['--api', fns.url, '--data-dir', fns.dataDir];
const passwordOf = async (name: string) => {
  const res = await fetch(`${fns.url}/token`, { method: 'POST', body: `clientid=${teaEncrypt(name, fns.teaSecret)}` });
  const json = (await res.json()) as { publisherToken?: string };
  return json.publisherToken && teaDecrypt(json.publisherToken, fns.teaSecret);
};

afterEach(() => {
  process.exitCode = 0;
});

describe('streamgate users (in process, against a running local functions server)', () => {
  it('adds a user with publish and play grants, reading the admin token from the data dir', async () => {
    const r = await cli(['users', 'add', 'alice12', '--password', 's3cret-pass', '--streams', 'cam1, live/cam2', '--play', 'c,d', ...api()]);
    expect(r).toMatchObject({ code: 0, out: 'created alice12' });
    expect(await passwordOf('alice12')).toBe('s3cret-pass');
  });

  it('reports a duplicate and a bad field with the server code and exit 1', async () => {
    expect(await cli(['users', 'add', 'alice12', '--password', 'whatever-99', ...api()])).toMatchObject({ code: 1, err: expect.stringContaining('user_exists') });
    const bad = await cli(['users', 'add', 'bob', '--password', '123', ...api()]);
    expect(bad).toMatchObject({ code: 1, err: expect.stringContaining('(password)') });
    expect(await cli(['users', 'add', 'bob', ...api()])).toMatchObject({ code: 1, err: expect.stringContaining('password is required') });
  });

  it('reads a password from stdin', async () => {
    expect((await cli(['users', 'add', 'stdinuser', '--password-stdin', ...api()], 'from-stdin-1\n')).code).toBe(0);
    expect(await passwordOf('stdinuser')).toBe('from-stdin-1');
  });

  it('re-encrypt walks every user and reports that all are already under the current key', async () => {
    await cli(['users', 'add', 'rekey1', '--password', 'rekey-pass-1', ...api()]);
    const r = await cli(['users', 're-encrypt', '--json', ...api()]);
    expect(r.code).toBe(0);
    const total = JSON.parse(r.out) as { scanned: number; reEncrypted: number; failed: unknown[] };
    expect(total.scanned).toBeGreaterThanOrEqual(1);
    expect(total).toMatchObject({ reEncrypted: 0, failed: [] });
    expect(await passwordOf('rekey1')).toBe('rekey-pass-1');
  });

  it('lists and shows users, never printing passwords', async () => {
    const l = await cli(['users', 'list', ...api()]);
    expect(l.out).toMatch(/^NAME\s+ENABLED\s+PUBLISH\s+PLAY/);
    expect(l.out).toMatch(/alice12\s+yes\s+cam1,live\/cam2\s+c,d/);
    const s = await cli(['users', 'show', 'alice12', ...api()]);
    expect(s.out).toContain('publish:   cam1, live/cam2');
    expect(JSON.parse((await cli(['users', 'show', 'alice12', '--json', ...api()])).out)).toMatchObject({ name: 'alice12' });
    expect(l.out + s.out).not.toContain('s3cret-pass');
    expect(await cli(['users', 'show', 'ghost', ...api()])).toMatchObject({ code: 1, err: expect.stringContaining('user_not_found') });
  });

  it('updates grants and ip ranges, "none" emptying a list', async () => {
    const r = await cli(['users', 'update', 'stdinuser', '--streams', 'a,b', '--ip-ranges', '10.0.0.0/8', ...api()]);
    expect(r.out).toContain('publish:   a, b');
    expect(r.out).toContain('ip ranges: 10.0.0.0/8');
    expect((await cli(['users', 'update', 'stdinuser', '--ip-ranges', 'none', ...api()])).out).toContain('ip ranges: any');
    expect(await cli(['users', 'update', 'stdinuser', '--ip-ranges', '10.0.0.1/8', ...api()])).toMatchObject({ code: 1, err: expect.stringContaining('ipRanges[0]') });
    expect((await cli(['users', 'update', 'stdinuser', ...api()])).code).toBe(1);
  });

  it('changes passwords, grants and revokes, disables, enables and removes', async () => {
    expect((await cli(['users', 'passwd', 'alice12', '--password', 'n3w-pass', ...api()])).code).toBe(0);
    expect(await passwordOf('alice12')).toBe('n3w-pass');
    expect((await cli(['users', 'grant', 'alice12', '--streams', 'cam3', ...api()])).out).toContain('publish cam1, live/cam2, cam3');
    expect((await cli(['users', 'revoke', 'alice12', '--streams', 'CAM1', '--play', 'c', ...api()])).out).toBe('alice12: publish live/cam2, cam3; play d');
    expect((await cli(['users', 'grant', 'alice12', ...api()])).code).toBe(1);
    expect((await cli(['users', 'disable', 'alice12', ...api()])).out).toBe('alice12 disabled');
    expect(await passwordOf('alice12')).toBeUndefined();
    expect((await cli(['users', 'enable', 'alice12', ...api()])).out).toBe('alice12 enabled');
    expect((await cli(['users', 'remove', 'alice12', ...api()])).out).toBe('removed alice12');
    expect((await cli(['users', 'remove', 'alice12', ...api()])).code).toBe(1);
  });

  it('imports the seed publish.password with the Application.xml stream mapping and reports each rejected line', async () => {
    const pw = join(fns.dataDir, 'publish.password');
    writeFileSync(pw, '# Publish password file (format [username][space][password])\n#username password\n\ntestuser s3cure-123456\nnostream pass-word\nshort 123\nbad!name password1\nthree fields here\n');
    const xml = join(fns.dataDir, 'Application.xml');
    writeFileSync(xml, '<Root><Application><Properties><Property><Name>testuser</Name><Value>myStream</Value></Property></Properties></Application></Root>');
    const r = await cli(['users', 'import', pw, '--application-xml', xml, ...api()]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('line 4: created testuser (publish myStream)');
    expect(r.out).toContain('line 5: created nostream (no stream grant)');
    expect(r.out).toContain('imported 2 users, rejected 3 lines');
    expect(r.err.split('\n')).toEqual([
      expect.stringMatching(/publish\.password:6: rejected: short: invalid_length \(password\)/),
      expect.stringMatching(/publish\.password:7: rejected: bad!name: invalid_characters \(name\)/),
      expect.stringMatching(/publish\.password:8: rejected: expected "username password", found 3 fields/),
    ]);
    const acl = await fetch(`${fns.url}/acl`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fns.serviceToken}` },
      body: JSON.stringify({ user: 'testuser', action: 'publish', app: 'live', stream: 'MYSTREAM?x', ip: '127.0.0.1' }),
    });
    expect(await acl.json()).toMatchObject({ allowed: true });
  });

  it('fails clearly with a wrong admin token or an unreachable API', async () => {
    expect(await cli(['users', 'list', '--api', fns.url, '--admin-token', 'wrong'])).toMatchObject({ code: 1, err: expect.stringContaining('unauthorized') });
    expect(await cli(['users', 'list', '--api', 'http://127.0.0.1:1', '--admin-token', 'x'])).toMatchObject({ code: 1, err: expect.stringContaining('unreachable') });
  });

  it('prints --help for every command', async () => {
    const program = createProgram({ out: () => undefined, err: () => undefined, readStdin: async () => '' });
    const paths = (c: Command, prefix: string[]): string[][] => c.commands.flatMap((s) => [[...prefix, s.name()], ...paths(s, [...prefix, s.name()])]);
    for (const path of paths(program, [])) {
      const r = await cli([...path, '--help']);
      expect(r.out, path.join(' ')).toContain(`Usage: streamgate ${path.join(' ')}`);
    }
  });
});

describe('streamgate tea', () => {
  it('encrypts and decrypts the spec example', async () => {
    expect((await cli(['tea', 'encrypt', '--secret', 'abcdefghijklmnop', 'alice12'])).out).toBe('f90bf8126aff164e');
    expect((await cli(['tea', 'decrypt', '--secret', 'abcdefghijklmnop', '62e099de2239dae8f963f986'])).out).toBe('s3cret-pass');
  });
  it('uses the local tea-secret file when --secret is absent', async () => {
    expect((await cli(['tea', 'encrypt', 'alice12', '--data-dir', fns.dataDir])).out).toBe(teaEncrypt('alice12', fns.teaSecret));
  });
  it('reports bad hex with its code and exit 1', async () => {
    expect(await cli(['tea', 'decrypt', '--secret', 'abcdefghijklmnop', 'xyz'])).toMatchObject({ code: 1, err: expect.stringContaining('tea_bad_hex') });
  });
});

describe('the real bin/streamgate.js entry', () => {
  it('runs users add/show against the server with env STREAMGATE_API_URL and STREAMGATE_ADMIN_TOKEN', async () => {
    const env = { STREAMGATE_API_URL: fns.url, STREAMGATE_ADMIN_TOKEN: fns.adminToken };
    const add = await spawnCli(['users', 'add', 'spawned', '--password', 'sp4wned-pw', '--streams', 'x'], env);
    expect(add).toMatchObject({ code: 0, out: 'created spawned\n' });
    const show = await spawnCli(['users', 'show', 'spawned'], env);
    expect(show.out).toContain('name:      spawned');
    const missing = await spawnCli(['users', 'show', 'nobody'], env);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('user_not_found');
  });
});
