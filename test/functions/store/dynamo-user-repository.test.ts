import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createLocalDynamoClient } from '#functions/local/create-local-dynamo-client.js';
import { startDynalite, type RunningDynalite } from '#functions/local/start-dynalite.js';
import { DynamoUserRepository } from '#functions/store/dynamo-user-repository.js';
import { ensureUsersTable } from '#functions/store/ensure-users-table.js';
import { PasswordCipher } from '#functions/store/password-cipher.js';

let db: RunningDynalite;
let client: DynamoDBClient;
let repo: DynamoUserRepository;
const table = 'users-test';
const newUser = (name: string) => ({ name, password: 's3cret-pass', enabled: true, grants: { publish: ['myStream'], play: [] }, ipRanges: [] });

beforeAll(async () => {
  db = await startDynalite();
  client = createLocalDynamoClient(db.endpoint);
  await ensureUsersTable(client, table);
  await ensureUsersTable(client, table); // idempotent
  repo = new DynamoUserRepository(client, table, new PasswordCipher(randomBytes(32)));
});
afterAll(async () => {
  client?.destroy();
  await db?.close();
});

describe('DynamoUserRepository against dynalite', () => {
  it('creates a user at version 1 and reads it back with its password', async () => {
    const user = await repo.create(newUser('alice12'));
    expect(user).toMatchObject({ name: 'alice12', enabled: true, version: 1, grants: { publish: ['myStream'], play: [] } });
    expect(await repo.get('alice12')).toEqual(user);
    expect(await repo.getWithPassword('alice12')).toEqual({ user, password: 's3cret-pass' });
  });

  it('stores the password encrypted, never in plain text', async () => {
    const raw = await DynamoDBDocumentClient.from(client).send(new GetCommand({ TableName: table, Key: { name: 'alice12' } }));
    expect(JSON.stringify(raw.Item)).not.toContain('s3cret-pass');
    // The id of the key that encrypted it is stored beside the ciphertext.
    expect(raw.Item?.pw).toMatch(/^g2:[A-Za-z0-9_-]{8}:[A-Za-z0-9+/=]+$/);
  });

  it('answers undefined for an unknown user', async () => {
    expect(await repo.get('nobody')).toBeUndefined();
    expect(await repo.getWithPassword('nobody')).toBeUndefined();
  });

  it('never overwrites an existing user on create', async () => {
    await expect(repo.create({ ...newUser('alice12'), password: 'other-pass' })).rejects.toMatchObject({ code: 'user_exists' });
    expect((await repo.getWithPassword('alice12'))?.password).toBe('s3cret-pass');
  });

  it('updates with the current version and bumps it', async () => {
    const u = await repo.update('alice12', { enabled: false, grants: { publish: ['a'], play: ['b'] }, ipRanges: ['10.0.0.0/8'] }, 1);
    expect(u).toMatchObject({ enabled: false, version: 2, grants: { publish: ['a'], play: ['b'] }, ipRanges: ['10.0.0.0/8'] });
    const p = await repo.update('alice12', { password: 'n3w-password' }, 2);
    expect(p.version).toBe(3);
    expect((await repo.getWithPassword('alice12'))?.password).toBe('n3w-password');
  });

  it('refuses a stale version and lets exactly one of two racing updates win', async () => {
    await expect(repo.update('alice12', { enabled: true }, 1)).rejects.toMatchObject({ code: 'version_conflict' });
    const results = await Promise.allSettled([repo.update('alice12', { enabled: true }, 3), repo.update('alice12', { enabled: false }, 3)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['version_conflict']);
  });

  it('reports user_not_found when updating or deleting a missing user', async () => {
    await expect(repo.update('ghost', { enabled: true }, 1)).rejects.toMatchObject({ code: 'user_not_found' });
    await expect(repo.delete('ghost')).rejects.toMatchObject({ code: 'user_not_found' });
  });

  it('deletes a user', async () => {
    await repo.create(newUser('to-delete'));
    await repo.delete('to-delete');
    expect(await repo.get('to-delete')).toBeUndefined();
  });

  it('lists every user exactly once across pages with an opaque cursor', async () => {
    for (let i = 0; i < 7; i++) await repo.create(newUser(`page-user-${i}`));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await repo.list({ limit: 3, cursor });
      seen.push(...page.users.map((u) => u.name));
      expect(JSON.stringify(page.users)).not.toContain('pw');
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen.sort()).toEqual(['alice12', ...Array.from({ length: 7 }, (_, i) => `page-user-${i}`)].sort());
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it.each(['', 'not base64!', 'eyJ4IjoxfQ', 'x'.repeat(600)])('refuses the foreign cursor %j naming the cursor field', async (cursor) => {
    await expect(repo.list({ limit: 3, cursor })).rejects.toMatchObject({ field: 'cursor', code: 'invalid_cursor' });
  });

  it('cannot decrypt a password copied onto another user (AAD = user name)', async () => {
    const cipher = new PasswordCipher(randomBytes(32));
    const stored = cipher.encrypt('alice12', 'pw-123456');
    expect(cipher.decrypt('alice12', stored)).toBe('pw-123456');
    expect(() => cipher.decrypt('mallory', stored)).toThrow(expect.objectContaining({ code: 'password_undecryptable' }));
    expect(() => new PasswordCipher(randomBytes(32)).decrypt('alice12', stored)).toThrow(expect.objectContaining({ code: 'password_key_unknown' }));
    expect(() => cipher.decrypt('alice12', 'garbage')).toThrow(expect.objectContaining({ code: 'password_undecryptable' }));
  });

  it('keeps users across a dynalite restart on the same path', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'sg-dyn-'));
    const key = randomBytes(32);
    for (const round of [1, 2]) {
      const d = await startDynalite({ path: dir });
      const c = createLocalDynamoClient(d.endpoint);
      await ensureUsersTable(c, table);
      const r = new DynamoUserRepository(c, table, new PasswordCipher(key));
      if (round === 1) await r.create(newUser('durable'));
      else expect((await r.getWithPassword('durable'))?.password).toBe('s3cret-pass');
      c.destroy();
      await d.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
