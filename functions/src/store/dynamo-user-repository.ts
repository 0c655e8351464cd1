import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConfigError, PasswordCipherError, UserExistsError, UserNotFoundError, ValidationError, VersionConflictError } from '#domain/errors.js';
import type { User } from '#domain/user.js';
import type { PasswordCipher } from './password-cipher.js';
import type { NewUser, ReEncryptPage, UserChange, UserPage, UserRepository } from './user-repository.js';

/** Item shape in the users table (partition key `name`, as infra/constructs/users-table.ts). */
interface UserItem {
  /** Set only on a name-claim item (see {@link claimKey}), never on a user. */
  claimOf?: string;
  name: string;
  enabled: boolean;
  publish: string[];
  play: string[];
  ipRanges: string[];
  /** PasswordCipher output; never plaintext. */
  pw: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

const MAX_CURSOR_CHARS = 512;

/**
 * Key of the item that reserves a name in every spelling: `~` + the lower-cased name. `~` is
 * not a user-name character, so no user can have that key. The item holds `claimOf`, the
 * spelling that owns it.
 */
const claimKey = (name: string) => `~${name.toLowerCase()}`;

function toUser(item: UserItem): User {
  return {
    name: item.name,
    enabled: item.enabled,
    grants: { publish: item.publish ?? [], play: item.play ?? [] },
    ipRanges: item.ipRanges ?? [],
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    version: item.version,
  };
}

function isConditionFailure(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as { name?: string })?.name === 'ConditionalCheckFailedException';
}

/**
 * Users in one DynamoDB table keyed by `name`. Names are unique case-insensitively: create first
 * puts a claim item keyed by the lower-cased name (conditional), then the user; delete removes
 * both; claims never show as users. Lookups are GetItem (never Scan); create is a
 * conditional Put (`attribute_not_exists`); updates are conditional on the stored `version`
 * (optimistic concurrency); list is a paginated Scan with an opaque base64url cursor. Without a
 * `cipher` (the ACL function has no password key) password reads/writes throw ConfigError.
 */
export class DynamoUserRepository implements UserRepository {
  readonly #doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly cipher: PasswordCipher | undefined,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.#doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async #getItem(name: string): Promise<UserItem | undefined> {
    const out = await this.#doc.send(new GetCommand({ TableName: this.tableName, Key: { name }, ConsistentRead: true }));
    const item = out.Item as UserItem | undefined;
    return item?.claimOf === undefined ? item : undefined;
  }

  /** Who holds the claim on `name`'s lower-cased form, if anyone. */
  async #claimHolder(name: string): Promise<string | undefined> {
    const out = await this.#doc.send(new GetCommand({ TableName: this.tableName, Key: { name: claimKey(name) }, ConsistentRead: true }));
    return (out.Item as UserItem | undefined)?.claimOf;
  }

  /**
   * Reserves the lower-cased name for `name`. A claim left by a user that no longer exists
   * (a crash between the two writes of create or delete) is taken over.
   */
  async #claim(name: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { name: claimKey(name), claimOf: name },
            ConditionExpression: 'attribute_not_exists(#n) OR claimOf = :me',
            ExpressionAttributeNames: { '#n': 'name' },
            ExpressionAttributeValues: { ':me': name },
          }),
        );
        return;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        const holder = await this.#claimHolder(name);
        if (holder !== undefined && (attempt >= 2 || (await this.#getItem(holder)))) throw new UserExistsError(holder, { cause: err });
        if (holder !== undefined) await this.#unclaim(holder);
      }
    }
  }

  async #unclaim(name: string): Promise<void> {
    try {
      await this.#doc.send(
        new DeleteCommand({ TableName: this.tableName, Key: { name: claimKey(name) }, ConditionExpression: 'claimOf = :me', ExpressionAttributeValues: { ':me': name } }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  /**
   * Claims the names of users stored before names were claimed (run at start-up locally).
   * Returns the users whose name another spelling already holds (they keep working; new
   * spellings of them are refused).
   */
  async claimExistingNames(): Promise<{ name: string; heldBy: string }[]> {
    const clashes: { name: string; heldBy: string }[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.#doc.send(
        new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: start, ProjectionExpression: '#n, claimOf', ExpressionAttributeNames: { '#n': 'name' } }),
      );
      for (const item of (out.Items ?? []) as UserItem[]) {
        if (item.claimOf !== undefined) continue;
        const holder = await this.#claimHolder(item.name);
        if (holder === item.name) continue;
        if (holder !== undefined && (await this.#getItem(holder))) {
          clashes.push({ name: item.name, heldBy: holder });
          continue;
        }
        await this.#claim(item.name);
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return clashes;
  }

  async get(name: string): Promise<User | undefined> {
    const item = await this.#getItem(name);
    return item && toUser(item);
  }

  get #passwords(): PasswordCipher {
    if (!this.cipher) throw new ConfigError('password_key_missing', 'this function has no password key configured');
    return this.cipher;
  }

  async getWithPassword(name: string): Promise<{ user: User; password: string } | undefined> {
    const item = await this.#getItem(name);
    return item && { user: toUser(item), password: this.#passwords.decrypt(item.name, item.pw) };
  }

  async create(user: NewUser): Promise<User> {
    const at = this.now().toISOString();
    const item: UserItem = {
      name: user.name,
      enabled: user.enabled,
      publish: user.grants.publish,
      play: user.grants.play,
      ipRanges: user.ipRanges,
      pw: this.#passwords.encrypt(user.name, user.password),
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    await this.#claim(user.name);
    try {
      await this.#doc.send(
        new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(#n)', ExpressionAttributeNames: { '#n': 'name' } }),
      );
    } catch (err) {
      // The same spelling exists (stored before claims): the claim now correctly names it.
      if (isConditionFailure(err)) throw new UserExistsError(user.name, { cause: err });
      await this.#unclaim(user.name);
      throw err;
    }
    return toUser(item);
  }

  async update(name: string, change: UserChange, expectedVersion: number): Promise<User> {
    const names: Record<string, string> = { '#n': 'name', '#v': 'version', '#u': 'updatedAt' };
    const values: Record<string, unknown> = { ':expected': expectedVersion, ':one': 1, ':at': this.now().toISOString() };
    const sets = ['#u = :at'];
    const put = (attr: string, value: unknown) => {
      names[`#${attr}`] = attr;
      values[`:${attr}`] = value;
      sets.push(`#${attr} = :${attr}`);
    };
    if (change.enabled !== undefined) put('enabled', change.enabled);
    if (change.grants !== undefined) {
      put('publish', change.grants.publish);
      put('play', change.grants.play);
    }
    if (change.ipRanges !== undefined) put('ipRanges', change.ipRanges);
    if (change.password !== undefined) put('pw', this.#passwords.encrypt(name, change.password));
    try {
      const out = await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { name },
          UpdateExpression: `SET ${sets.join(', ')} ADD #v :one`,
          ConditionExpression: 'attribute_exists(#n) AND #v = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toUser(out.Attributes as UserItem);
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      // Tell "gone" from "moved on": one extra read only on the failure path.
      if (!(await this.#getItem(name))) throw new UserNotFoundError(name, { cause: err });
      throw new VersionConflictError(name, expectedVersion, { cause: err });
    }
  }

  async delete(name: string): Promise<void> {
    try {
      await this.#doc.send(
        new DeleteCommand({ TableName: this.tableName, Key: { name }, ConditionExpression: 'attribute_exists(#n)', ExpressionAttributeNames: { '#n': 'name' } }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new UserNotFoundError(name, { cause: err });
      throw err;
    }
    await this.#unclaim(name);
  }

  /** One page of a Scan over the users (`#n` is `name`), from `cursor`. */
  #scanUsers(options: { limit: number; cursor?: string }, projection: string) {
    return this.#doc.send(
      new ScanCommand({
        TableName: this.tableName,
        Limit: options.limit,
        ExclusiveStartKey: options.cursor === undefined ? undefined : decodeCursor(options.cursor),
        // Claims are filtered after Limit applies, so a page can hold fewer users (even none)
        // and still have a next cursor.
        FilterExpression: 'attribute_not_exists(claimOf)',
        ProjectionExpression: projection,
        ExpressionAttributeNames: { '#n': 'name' },
      }),
    );
  }

  async list(options: { limit: number; cursor?: string }): Promise<UserPage> {
    const out = await this.#scanUsers(options, '#n, enabled, publish, play, ipRanges, createdAt, updatedAt, version');
    const users = ((out.Items ?? []) as UserItem[]).map(toUser);
    return out.LastEvaluatedKey ? { users, nextCursor: encodeCursor(out.LastEvaluatedKey) } : { users };
  }

  async reEncryptPasswords(options: { limit: number; cursor?: string }): Promise<ReEncryptPage> {
    const cipher = this.#passwords;
    const out = await this.#scanUsers(options, '#n, pw');
    const page: ReEncryptPage = { scanned: 0, reEncrypted: 0, failed: [] };
    for (const item of (out.Items ?? []) as Pick<UserItem, 'name' | 'pw'>[]) {
      page.scanned++;
      if (!cipher.needsReEncrypt(item.pw)) continue;
      let fresh: string;
      try {
        fresh = cipher.encrypt(item.name, cipher.decrypt(item.name, item.pw));
      } catch (err) {
        if (!(err instanceof PasswordCipherError)) throw err;
        page.failed.push({ name: item.name, code: err.code });
        continue;
      }
      try {
        // Only if the password is still the one read: a change made meanwhile is already under
        // the current key. The version stays: re-encryption changes nothing a client can see.
        await this.#doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { name: item.name },
            UpdateExpression: 'SET pw = :fresh',
            ConditionExpression: 'pw = :old',
            ExpressionAttributeValues: { ':fresh': fresh, ':old': item.pw },
          }),
        );
        page.reEncrypted++;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
    }
    return out.LastEvaluatedKey ? { ...page, nextCursor: encodeCursor(out.LastEvaluatedKey) } : page;
  }
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ n: key.name }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { name: string } {
  const bad = (cause?: unknown) => new ValidationError('cursor', 'invalid_cursor', 'cursor is not one this API returned', { cause });
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (err) {
    throw bad(err);
  }
  const n = (parsed as { n?: unknown } | null)?.n;
  if (typeof n !== 'string' || n.length === 0 || n.length > 64) throw bad();
  return { name: n };
}
