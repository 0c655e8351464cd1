import { DynamoCallError } from './dynamo-call-error.js';
import type { AttributeValue, DynamoJsonClient } from './dynamo-json-client.js';

/** One live task of the cluster, as the directory lists it. */
export interface TaskEntry {
  /** Task id (unique per process start). */
  readonly id: string;
  /** `host:port` of its cluster listener (the private port other tasks pull from). */
  readonly address: string;
  /** Epoch ms the task started. */
  readonly startedAt: number;
  /** Epoch ms after which the entry is void unless announced again. */
  readonly expiresAt: number;
}

/** Partition key of the one row that lists the tasks (stream leases are `stream#…`). */
const DIRECTORY_KEY = 'tasks';
/** Tasks one row holds (a map entry is ~100 bytes; DynamoDB items stop at 400 KB). */
export const MAX_TASKS = 1000;

function isConditionFailure(err: unknown): boolean {
  return err instanceof DynamoCallError && err.type === 'ConditionalCheckFailedException';
}

function entryValue(entry: TaskEntry): AttributeValue {
  return { M: { address: { S: entry.address }, startedAt: { N: String(entry.startedAt) }, expiresAt: { N: String(entry.expiresAt) } } };
}

function entriesOf(item: Record<string, AttributeValue> | undefined): TaskEntry[] {
  const map = item?.tasks?.M ?? {};
  const out: TaskEntry[] = [];
  for (const [id, value] of Object.entries(map)) {
    const m = value.M;
    if (m?.address?.S === undefined) continue;
    out.push({ id, address: m.address.S, startedAt: Number(m.startedAt?.N ?? 0), expiresAt: Number(m.expiresAt?.N ?? 0) });
  }
  return out;
}

/**
 * Which tasks make up the cluster now, so one task can answer for all of them (the web console's
 * streams and actions). One registry row (`pk` = `tasks`) holds a map of task id → address, start
 * and expiry; each task re-announces itself well before its entry expires (one write), and removes
 * the void entries it saw on its previous announce in the same write, so the row never grows with
 * the tasks that came and went. Readers skip void entries by timestamp (the local store has no TTL).
 */
export class TaskDirectory {
  /** Void entries seen on the last announce, removed with the next one. */
  private stale: string[] = [];

  constructor(
    private readonly client: DynamoJsonClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes (or refreshes) this task's entry, valid for `ttlMs`. */
  async announce(task: Omit<TaskEntry, 'expiresAt'>, ttlMs: number): Promise<void> {
    const entry: TaskEntry = { ...task, expiresAt: this.now() + ttlMs };
    const names: Record<string, string> = { '#id': entry.id };
    const removes = this.stale.filter((id) => id !== entry.id).slice(0, 50);
    removes.forEach((id, i) => {
      names[`#r${i}`] = id;
    });
    const update = `SET tasks.#id = :entry${removes.length > 0 ? ` REMOVE ${removes.map((_, i) => `tasks.#r${i}`).join(', ')}` : ''}`;
    try {
      const out = await this.client.call('UpdateItem', {
        TableName: this.table,
        Key: { pk: { S: DIRECTORY_KEY } },
        UpdateExpression: update,
        ConditionExpression: 'attribute_exists(tasks)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':entry': entryValue(entry) },
        ReturnValues: 'ALL_NEW',
      });
      const now = this.now();
      this.stale = entriesOf(out.Attributes)
        .filter((e) => e.expiresAt < now)
        .map((e) => e.id);
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      // The first task of a new table: create the row, unless another task just did (then retry once).
      try {
        await this.client.call('PutItem', {
          TableName: this.table,
          Item: { pk: { S: DIRECTORY_KEY }, tasks: { M: { [entry.id]: entryValue(entry) } } },
          ConditionExpression: 'attribute_not_exists(pk)',
        });
      } catch (err2) {
        if (!isConditionFailure(err2)) throw err2;
        await this.announce(task, ttlMs);
      }
    }
  }

  /** Removes this task's entry (a task that stops cleanly leaves the directory at once). */
  async leave(id: string): Promise<void> {
    try {
      await this.client.call('UpdateItem', {
        TableName: this.table,
        Key: { pk: { S: DIRECTORY_KEY } },
        UpdateExpression: 'REMOVE tasks.#id',
        ConditionExpression: 'attribute_exists(tasks)',
        ExpressionAttributeNames: { '#id': id },
      });
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  /** The live tasks (entries not yet void), ordered by start, at most {@link MAX_TASKS}. */
  async list(): Promise<TaskEntry[]> {
    const out = await this.client.call('GetItem', { TableName: this.table, Key: { pk: { S: DIRECTORY_KEY } }, ConsistentRead: true });
    const now = this.now();
    return entriesOf(out.Item)
      .filter((e) => e.expiresAt >= now)
      .sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : 1))
      .slice(0, MAX_TASKS);
  }
}
