
import { describe, expect, it } from 'vitest';
import { teaDecrypt, teaEncrypt } from '#domain/tea.js';
import { ADMIN_FAILURES_PER_MINUTE } from '#functions/build-functions-deps.js';
import { useLocalFunctions } from '../support/use-local-functions.js';
import { runCliInProcess as cli } from '../support/cli-runner.js';

// Regression tests for the users API review findings. Each failed on the code before the fix:
// wrong admin tokens were never throttled (401 forever), `aaaaaa` was a valid password,
// `alice` and `ALICE` could both exist, and `users add --play none` stored a grant named `none`.

const fns = useLocalFunctions('sg-users-sec-');

const call = (method: string, path: string, body?: unknown, token = fns.adminToken) =>
  fetch(`${fns.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('users API hardening (real HTTP)', () => {
  it('refuses passwords shorter than 8 characters (aaaaaa was accepted)', async () => {
    const res = await call('POST', '/users', { name: 'shortpw', password: 'aaaaaa' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_length', field: 'password' });
  });

  it.each(['password1', 'Passw0rd', '123456789', 'qwertyuiop'])('refuses the common password %s on create and on change', async (pw) => {
    const res = await call('POST', '/users', { name: 'commonpw', password: pw });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'common_password', field: 'password' });
  });

  it('refuses a common password on PUT /password too, and the user name as password', async () => {
    expect((await call('POST', '/users', { name: 'pwchange', password: 'f1rst-pass-ok' })).status).toBe(201);
    expect(await (await call('PUT', '/users/pwchange/password', { password: 'iloveyou' })).json()).toMatchObject({ error: 'common_password' });
    expect(await (await call('PUT', '/users/pwchange/password', { password: 'PwChange' })).json()).toMatchObject({ error: 'password_is_name' });
  });

  it('keeps user names unique case-insensitively (alice and ALICE could both exist)', async () => {
    expect((await call('POST', '/users', { name: 'alice', password: 'al1ce-secret' })).status).toBe(201);
    for (const name of ['ALICE', 'Alice', 'aLiCe']) {
      const res = await call('POST', '/users', { name, password: 'other-secret-9' });
      expect(res.status, name).toBe(409);
      expect(await res.json()).toMatchObject({ error: 'user_exists', message: expect.stringContaining('alice') });
    }
    // The other spelling is not a second user: no token, no record, not listed.
    const token = (await (await fetch(`${fns.url}/token`, { method: 'POST', body: `clientid=${teaEncrypt('ALICE', fns.teaSecret)}` })).json()) as { publisherToken?: string };
    expect(token.publisherToken).toBeUndefined();
    expect((await call('GET', '/users/ALICE')).status).toBe(404);
    const names = ((await (await call('GET', '/users?limit=100')).json()) as { users: { name: string }[] }).users.map((u) => u.name);
    expect(names.filter((n) => n.toLowerCase() === 'alice')).toEqual(['alice']);
    expect(names.some((n) => n.startsWith('~'))).toBe(false);
    // Removing the user frees every spelling.
    expect((await call('DELETE', '/users/alice')).status).toBe(204);
    expect((await call('POST', '/users', { name: 'ALICE', password: 'n3w-alice-pw' })).status).toBe(201);
    const pw = (await (await fetch(`${fns.url}/token`, { method: 'POST', body: `clientid=${teaEncrypt('ALICE', fns.teaSecret)}` })).json()) as { publisherToken: string };
    expect(teaDecrypt(pw.publisherToken, fns.teaSecret)).toBe('n3w-alice-pw');
  });

  it('concurrent creates of two spellings leave exactly one user', async () => {
    const results = await Promise.all(['racer', 'RACER', 'Racer', 'rAcEr'].map((name) => call('POST', '/users', { name, password: 'r4cing-pass' })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    const names = ((await (await call('GET', '/users?limit=100')).json()) as { users: { name: string }[] }).users.map((u) => u.name.toLowerCase());
    expect(names.filter((n) => n === 'racer')).toHaveLength(1);
  });

  it('`users add --play none` stores no play grants (it stored a grant named none)', async () => {
    const r = await cli(['users', '--api', fns.url, '--data-dir', fns.dataDir, 'add', 'noplay', '--password', 'n0-play-pass', '--streams', 'cam1', '--play', 'none']);
    expect(r.code, r.err).toBe(0);
    const user = (await (await call('GET', '/users/noplay')).json()) as { grants: { publish: string[]; play: string[] } };
    expect(user.grants).toEqual({ publish: ['cam1'], play: [] });
  });

  // Last in this file: it blocks 127.0.0.1 for a minute on this server.
  it(`throttles wrong admin tokens per source: after ${ADMIN_FAILURES_PER_MINUTE} the right token gets 429 too`, async () => {
    for (let i = 0; i < ADMIN_FAILURES_PER_MINUTE; i++) {
      const res = await call('GET', '/users', undefined, `guess-${i}`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="streamgate"');
    }
    const blocked = await call('GET', '/users', undefined, `guess-last`);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('60');
    expect(await blocked.json()).toMatchObject({ error: 'too_many_failures' });
    expect((await call('GET', '/users')).status).toBe(429);
  });
});
