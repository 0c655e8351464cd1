import { createCipheriv, randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePasswordKeyring, passwordKeyId } from '#domain/password-keyring.js';
import { createLocalDynamoClient } from '#functions/local/create-local-dynamo-client.js';
import { startDynalite, type RunningDynalite } from '#functions/local/start-dynalite.js';
import { DynamoUserRepository } from '#functions/store/dynamo-user-repository.js';
import { ensureUsersTable } from '#functions/store/ensure-users-table.js';
import { PasswordCipher } from '#functions/store/password-cipher.js';

const table = 'rotation-test';
let db: RunningDynalite;
let client: DynamoDBClient;
const oldKey = randomBytes(32);
const newKey = randomBytes(32);
const b64 = (k: Uint8Array) => Buffer.from(k).toString('base64');
const user = (name: string, password: string) => ({ name, password, enabled: true, grants: { publish: [name], play: [] }, ipRanges: [] });

/** The pre-key-id stored form (`g1:`), as a table written before key rings holds it. */
function legacyStored(key: Uint8Array, userName: string, password: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(userName, 'utf8'));
  const ct = Buffer.concat([c.update(password, 'utf8'), c.final()]);
  return `g1:${Buffer.concat([iv, ct, c.getAuthTag()]).toString('base64')}`;
}

const pwOf = async (name: string) =>
  (await DynamoDBDocumentClient.from(client).send(new GetCommand({ TableName: table, Key: { name } }))).Item?.pw as string;

beforeAll(async () => {
  db = await startDynalite();
  client = createLocalDynamoClient(db.endpoint);
  await ensureUsersTable(client, table);
});
afterAll(async () => {
  client?.destroy();
  await db?.close();
});

describe('password key rotation (key id beside each ciphertext, re-encrypt)', () => {
  it('adds a key, reads old passwords through the ring, re-encrypts them all, then works without the old key', async () => {
    const before = new DynamoUserRepository(client, table, new PasswordCipher(parsePasswordKeyring(b64(oldKey))));
    for (let i = 0; i < 7; i++) await before.create(user(`user${i}`, `password-${i}`));
    // One user stored before key ids existed.
    await DynamoDBDocumentClient.from(client).send(
      new PutCommand({
        TableName: table,
        Item: { name: 'legacy1', enabled: true, publish: [], play: [], ipRanges: [], pw: legacyStored(oldKey, 'legacy1', 'legacy-pass'), createdAt: 'x', updatedAt: 'x', version: 1 },
      }),
    );
    expect(await pwOf('user0')).toMatch(new RegExp(`^g2:${passwordKeyId(oldKey)}:`));

    const ring = parsePasswordKeyring(JSON.stringify({ current: b64(newKey), previous: [b64(oldKey)] }));
    const during = new DynamoUserRepository(client, table, new PasswordCipher(ring));
    // Old passwords still read, new ones are written under the new key.
    expect((await during.getWithPassword('user3'))?.password).toBe('password-3');
    expect((await during.getWithPassword('legacy1'))?.password).toBe('legacy-pass');
    await during.create(user('fresh1', 'fresh-pass'));
    expect(await pwOf('fresh1')).toMatch(new RegExp(`^g2:${passwordKeyId(newKey)}:`));

    // Small pages, so the cursor is followed; claim items (names) are not users and are skipped.
    let cursor: string | undefined;
    let scanned = 0;
    let reEncrypted = 0;
    do {
      const page = await during.reEncryptPasswords({ limit: 3, cursor });
      scanned += page.scanned;
      reEncrypted += page.reEncrypted;
      expect(page.failed).toEqual([]);
      cursor = page.nextCursor;
    } while (cursor);
    expect(scanned).toBe(9);
    expect(reEncrypted).toBe(8);
    // A second pass finds nothing left to do.
    expect((await during.reEncryptPasswords({ limit: 100 })).reEncrypted).toBe(0);

    const after = new DynamoUserRepository(client, table, new PasswordCipher(parsePasswordKeyring(b64(newKey))));
    for (let i = 0; i < 7; i++) expect((await after.getWithPassword(`user${i}`))?.password).toBe(`password-${i}`);
    expect((await after.getWithPassword('legacy1'))?.password).toBe('legacy-pass');
    // Re-encryption changes nothing a client sees: the version is the one before.
    expect((await after.get('user0'))?.version).toBe(1);
  });

  it('names (never decrypts into the answer) the users no key of the ring can read', async () => {
    const stranger = new DynamoUserRepository(client, table, new PasswordCipher(randomBytes(32)));
    await stranger.create(user('lost1', 'lost-pass'));
    const ring = new DynamoUserRepository(client, table, new PasswordCipher(parsePasswordKeyring(JSON.stringify({ current: b64(newKey), previous: [b64(oldKey)] }))));
    const page = await ring.reEncryptPasswords({ limit: 100 });
    expect(page.failed).toEqual([{ name: 'lost1', code: 'password_key_unknown' }]);
    expect(JSON.stringify(page)).not.toContain('lost-pass');
  });
});
