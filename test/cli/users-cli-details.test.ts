import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { teaDecrypt, teaEncrypt } from '#domain/tea.js';
import { useLocalFunctions } from '../support/use-local-functions.js';
import { runCliInProcess as cli, spawnCli } from '../support/cli-runner.js';
import { freePort } from '../support/wait.js';

// The users CLI and API as a new operator meets them: partial updates that keep what was not
// named, errors that say what happened, and a CLI that finds the server `npm start` runs.

const fns = useLocalFunctions('sg-cli-details-');

const users = (...args: string[]) => cli(['users', '--api', fns.url, '--data-dir', fns.dataDir, ...args]);
const api = (method: string, path: string, body?: unknown) =>
  fetch(`${fns.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${fns.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const show = async (name: string) => (await (await api('GET', `/users/${name}`)).json()) as { grants: { publish: string[]; play: string[] }; ipRanges: string[]; enabled: boolean };

describe('PATCH /users/{name} changes only what it names', () => {
  it('a body with only grants.play keeps the publish grants (they were erased)', async () => {
    expect((await api('POST', '/users', { name: 'patchme', password: 'p4tch-me-pw', grants: { publish: ['cam1', 'cam2'], play: ['live/*'] }, ipRanges: ['10.0.0.0/8'] })).status).toBe(201);
    const res = await api('PATCH', '/users/patchme', { grants: { play: [] } });
    expect(res.status).toBe(200);
    expect(await show('patchme')).toMatchObject({ grants: { publish: ['cam1', 'cam2'], play: [] }, ipRanges: ['10.0.0.0/8'], enabled: true });
    await api('PATCH', '/users/patchme', { grants: { publish: ['cam3'] } });
    expect((await show('patchme')).grants).toEqual({ publish: ['cam3'], play: [] });
  });

  it('the CLI update sends the same partial change and agrees', async () => {
    expect((await users('update', 'patchme', '--play', 'live/a,live/b')).code).toBe(0);
    expect((await show('patchme')).grants).toEqual({ publish: ['cam3'], play: ['live/a', 'live/b'] });
    expect((await users('update', 'patchme', '--streams', 'none')).code).toBe(0);
    expect((await show('patchme')).grants).toEqual({ publish: [], play: ['live/a', 'live/b'] });
  });

  it('the OpenAPI says what each operation replaces and lists /wowza/token', async () => {
    const doc = (await (await fetch(`${fns.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { summary?: string }>>;
      components: { schemas: { UserPatch: { description: string } } };
    };
    expect(Object.keys(doc.paths)).toContain('/wowza/token');
    expect(doc.paths['/wowza/token'].post).toBeDefined();
    expect(doc.components.schemas.UserPatch.description).toMatch(/list left out keeps/);
    expect(doc.paths['/users/{name}'].patch.summary).toMatch(/only what the body names/);
    expect(doc.paths['/users/{name}/password'].put.summary).toMatch(/nothing else changes/);
  });
});

describe('users CLI and API details', () => {
  it('401 answers carry WWW-Authenticate (users API and /acl)', async () => {
    const u = await fetch(`${fns.url}/users`);
    expect(u.status).toBe(401);
    expect(u.headers.get('www-authenticate')).toBe('Bearer realm="streamgate"');
    const a = await fetch(`${fns.url}/acl`, { method: 'POST', body: '{}' });
    expect(a.status).toBe(401);
    expect(a.headers.get('www-authenticate')).toBe('Bearer realm="streamgate"');
  });

  it('users list is sorted by name, case-insensitively', async () => {
    for (const name of ['zed', 'Mia', 'adam', 'bob']) expect((await users('add', name, '--password', `${name}-s3cret-pw`)).code).toBe(0);
    const r = await users('list');
    const names = r.out.split('\n').slice(1).map((l) => l.split(/\s+/)[0]);
    expect(names).toEqual([...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    expect(names.indexOf('adam')).toBeLessThan(names.indexOf('Mia'));
    expect(names.indexOf('Mia')).toBeLessThan(names.indexOf('zed'));
  });

  it("refuses --streams '' instead of making a user with no grants", async () => {
    const r = await users('add', 'emptygrants', '--password', 'empty-gr4nts', '--streams', '');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--streams.*empty: give publish grants, or none/);
    expect((await api('GET', '/users/emptygrants')).status).toBe(404);
  });

  it('revoking a grant the user never had says so, exits 1, changes nothing', async () => {
    expect((await users('add', 'revokee', '--password', 'rev0kee-pass', '--streams', 'cam1,cam2')).code).toBe(0);
    const r = await users('revoke', 'revokee', '--streams', 'cam1,cam9');
    expect(r.code).toBe(1);
    expect(r.err).toContain('not_granted');
    expect(r.err).toContain('cam9');
    expect((await show('revokee')).grants.publish).toEqual(['cam1', 'cam2']);
    const again = await users('grant', 'revokee', '--streams', 'Cam2,cam3');
    expect(again.code).toBe(0);
    expect(again.err).toBe('note: revokee already had publish Cam2');
    expect((await show('revokee')).grants.publish).toEqual(['cam1', 'cam2', 'cam3']);
    await users('revoke', 'revokee', '--streams', 'cam3');
    const ok = await users('revoke', 'revokee', '--streams', 'CAM1');
    expect(ok.code).toBe(0);
    expect((await show('revokee')).grants.publish).toEqual(['cam2']);
  });

  it('says when an IP range without a prefix became /32', async () => {
    const r = await users('add', 'onehost', '--password', '0ne-host-pass', '--ip-ranges', '10.0.0.0,192.168.1.0/24');
    expect(r.code).toBe(0);
    expect(r.err).toContain('10.0.0.0 was stored as 10.0.0.0/32 (one address');
    expect(r.err).not.toContain('192.168.1.0/24 was stored');
    const u = await users('update', 'onehost', '--ip-ranges', '2001:DB8::/32');
    expect(u.code).toBe(0);
    expect(u.err).toContain('2001:DB8::/32 was stored as 2001:db8::/32 (written canonically)');
  });

  it('import can be re-run: existing users are left alone, or updated with --upsert', async () => {
    const pw = join(fns.dataDir, 'publish.password');
    writeFileSync(pw, 'importee 1mport-first\n');
    expect((await users('import', pw)).code).toBe(0);
    const again = await users('import', pw);
    expect(again.code).toBe(0);
    expect(again.out).toContain('importee exists, left as is (--upsert updates it)');
    writeFileSync(pw, 'importee 1mport-second\n');
    const xml = join(fns.dataDir, 'Application.xml');
    writeFileSync(xml, '<Root><Property><Name>importee</Name><Value>importcam</Value></Property></Root>');
    const up = await users('import', pw, '--upsert', '--application-xml', xml);
    expect(up.code).toBe(0);
    expect(up.out).toContain('updated importee');
    expect(up.out).toContain('imported 0 users, updated 1, rejected 0 lines');
    const token = (await (await fetch(`${fns.url}/token`, { method: 'POST', body: `clientid=${teaEncrypt('importee', fns.teaSecret)}` })).json()) as { publisherToken: string };
    expect(teaDecrypt(token.publisherToken, fns.teaSecret)).toBe('1mport-second');
    expect((await show('importee')).grants.publish).toEqual(['importcam']);
  });

  it('import of a missing file says so in one line (it printed a raw ENOENT)', async () => {
    const r = await users('import', join(fns.dataDir, 'no-such.password'));
    expect(r.code).toBe(1);
    expect(r.err).toBe(`error: cannot read the Wowza publish.password file ${join(fns.dataDir, 'no-such.password')}: no such file`);
  });
});

describe('the CLI finds the server npm start runs', () => {
  it('honours STREAMGATE_FUNCTIONS_PORT (it always called port 3000)', async () => {
    const port = new URL(fns.url).port;
    const r = await spawnCli(['users', 'show', 'patchme'], { STREAMGATE_FUNCTIONS_PORT: port, STREAMGATE_DATA_DIR: fns.dataDir });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('name:      patchme');
  }, 30_000);

  it('says what to check when the functions are unreachable', async () => {
    const closed = await freePort();
    const r = await spawnCli(['users', 'list'], { STREAMGATE_FUNCTIONS_PORT: String(closed), STREAMGATE_DATA_DIR: fns.dataDir });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cannot reach the users API at http://127.0.0.1:${closed} (ECONNREFUSED)`);
    expect(r.err).toContain('is streamgate running (npm start)?');
    expect(r.err).toContain(`STREAMGATE_FUNCTIONS_PORT=${closed}`);
  }, 30_000);
});
