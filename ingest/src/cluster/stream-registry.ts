import { DynamoCallError } from './dynamo-call-error.js';
import type { AttributeValue, DynamoJsonClient } from './dynamo-json-client.js';

/** Who holds a stream: one row of the registry, as read back. */
export interface StreamLease {
  /** Canonical `APP/STREAM` path. */
  readonly path: string;
  /** Task id of the owner (unique per process start). */
  readonly owner: string;
  /** `host:port` of the owner's cluster pull listener. */
  readonly address: string;
  /** The publishing user, when publish auth is on. */
  readonly user?: string;
  /** Connection id of the publisher on the owner (logs). */
  readonly connection: string;
  /** Grows by one with every new holder: renewals and releases are fenced by it. */
  readonly epoch: number;
  /** Epoch ms after which the lease is void unless renewed. */
  readonly expiresAt: number;
}

/** What a publisher asks for. */
export interface LeaseRequest {
  readonly path: string;
  readonly owner: string;
  readonly address: string;
  readonly user?: string;
  readonly connection: string;
}

/** Result of {@link StreamRegistry.acquire}. */
export type AcquireResult =
  | { readonly ok: true; readonly lease: StreamLease; readonly replaced?: StreamLease }
  | { readonly ok: false; readonly holder: StreamLease | undefined };

/** Timings of the leases. */
export interface LeaseTimings {
  /** A lease not renewed for this long is void (a crashed owner's streams free up after it). */
  readonly ttlMs: number;
}

/** Partition key prefix of stream leases (the table also holds other cluster rows). */
const STREAM_PREFIX = 'stream#';
/** DynamoDB TTL deletes a void row eventually (within days); reads never rely on it. */
const TTL_MARGIN_SECONDS = 3600;

function s(value: string): AttributeValue {
  return { S: value };
}
function n(value: number): AttributeValue {
  return { N: String(value) };
}

function leaseOf(path: string, item: Record<string, AttributeValue> | undefined): StreamLease | undefined {
  if (item === undefined || item.owner?.S === undefined) return undefined;
  return {
    path,
    owner: item.owner.S,
    address: item.address?.S ?? '',
    ...(item.user?.S !== undefined ? { user: item.user.S } : {}),
    connection: item.conn?.S ?? '',
    epoch: Number(item.epoch?.N ?? 0),
    expiresAt: Number(item.expiresAt?.N ?? 0),
  };
}

function isConditionFailure(err: unknown): boolean {
  return err instanceof DynamoCallError && err.type === 'ConditionalCheckFailedException';
}

/**
 * The cluster's stream registry and publisher lease, one DynamoDB row per stream path (`pk` =
 * `stream#APP/STREAM`). Every change is a conditional write, so two tasks racing for a path cannot
 * both win: a row is taken when it is absent, void (`expiresAt` passed: the local store has no TTL,
 * so expiry is decided by timestamp on every read and write), already this task's, or held by the
 * same user (a reconnect replacing its stale session). The holder renews `expiresAt` (heartbeat)
 * and releases on unpublish, both fenced by `epoch` so a task that lost its lease cannot touch the
 * new holder's row. `ttl` (epoch seconds) lets DynamoDB's TTL remove void rows in AWS.
 */
export class StreamRegistry {
  constructor(
    private readonly client: DynamoJsonClient,
    private readonly table: string,
    private readonly timings: LeaseTimings,
    private readonly now: () => number = Date.now,
  ) {}

  get ttlMs(): number {
    return this.timings.ttlMs;
  }

  /** Takes the lease of `req.path` for `req.owner`, or says who holds it. */
  async acquire(req: LeaseRequest): Promise<AcquireResult> {
    const now = this.now();
    const expiresAt = now + this.timings.ttlMs;
    const previous = await this.lookup(req.path, true);
    const values: Record<string, AttributeValue> = {
      ':owner': s(req.owner),
      ':address': s(req.address),
      ':conn': s(req.connection),
      ':expiresAt': n(expiresAt),
      ':ttl': n(Math.ceil(expiresAt / 1000) + TTL_MARGIN_SECONDS),
      ':now': n(now),
      ':one': n(1),
      ':zero': n(0),
    };
    let condition = 'attribute_not_exists(pk) OR expiresAt < :now OR #owner = :owner';
    let update = 'SET #owner = :owner, address = :address, conn = :conn, expiresAt = :expiresAt, #ttl = :ttl, epoch = if_not_exists(epoch, :zero) + :one';
    if (req.user !== undefined) {
      values[':user'] = s(req.user);
      condition += ' OR #user = :user';
      update += ', #user = :user';
    } else {
      update += ' REMOVE #user';
    }
    try {
      const out = await this.client.call('UpdateItem', {
        TableName: this.table,
        Key: { pk: s(STREAM_PREFIX + req.path) },
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeNames: { '#owner': 'owner', '#user': 'user', '#ttl': 'ttl' },
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      });
      const lease = leaseOf(req.path, out.Attributes)!;
      const replaced = previous !== undefined && previous.owner !== req.owner ? previous : undefined;
      return { ok: true, lease, ...(replaced ? { replaced } : {}) };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      return { ok: false, holder: await this.lookup(req.path) };
    }
  }

  /** Extends the lease; false when it is no longer this holder's (taken over, or void and gone). */
  async renew(lease: StreamLease): Promise<boolean> {
    const now = this.now();
    const expiresAt = now + this.timings.ttlMs;
    try {
      await this.client.call('UpdateItem', {
        TableName: this.table,
        Key: { pk: s(STREAM_PREFIX + lease.path) },
        UpdateExpression: 'SET expiresAt = :expiresAt, #ttl = :ttl',
        ConditionExpression: '#owner = :owner AND epoch = :epoch',
        ExpressionAttributeNames: { '#owner': 'owner', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':owner': s(lease.owner),
          ':epoch': n(lease.epoch),
          ':expiresAt': n(expiresAt),
          ':ttl': n(Math.ceil(expiresAt / 1000) + TTL_MARGIN_SECONDS),
        },
      });
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** Deletes the lease if it is still this holder's (unpublish, drain); false otherwise. */
  async release(lease: StreamLease): Promise<boolean> {
    try {
      await this.client.call('DeleteItem', {
        TableName: this.table,
        Key: { pk: s(STREAM_PREFIX + lease.path) },
        ConditionExpression: '#owner = :owner AND epoch = :epoch',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': s(lease.owner), ':epoch': n(lease.epoch) },
      });
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** The live lease of `path`, or undefined when there is none or it is void (`includeVoid` keeps it). */
  async lookup(path: string, includeVoid = false): Promise<StreamLease | undefined> {
    const out = await this.client.call('GetItem', { TableName: this.table, Key: { pk: s(STREAM_PREFIX + path) }, ConsistentRead: true });
    const lease = leaseOf(path, out.Item);
    if (lease === undefined) return undefined;
    return includeVoid || lease.expiresAt >= this.now() ? lease : undefined;
  }
}
