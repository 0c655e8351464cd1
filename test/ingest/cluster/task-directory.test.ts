import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLocalDynamoClient } from '#functions/local/create-local-dynamo-client.js';
import { localRegistryClient } from '#ingest/cluster/create-registry-client.js';
import { startDynalite, type RunningDynalite } from '#functions/local/start-dynalite.js';
import { ensureRegistryTable } from '#ingest/cluster/ensure-registry-table.js';
import { TaskDirectory } from '#ingest/cluster/task-directory.js';

// The cluster's task list against the real embedded store; the clock is injected so expiry is
// tested without waiting.
let db: RunningDynalite;
let client: DynamoDBClient;
let clock = 5_000_000;
const now = () => clock;

beforeAll(async () => {
  db = await startDynalite();
  client = createLocalDynamoClient(db.endpoint);
});
afterAll(async () => {
  client?.destroy();
  await db?.close();
});

async function freshDirectory(table: string): Promise<TaskDirectory> {
  await ensureRegistryTable(client, table);
  return new TaskDirectory(localRegistryClient(db.endpoint), table, now);
}

describe('TaskDirectory (which tasks make up the cluster) against the embedded store', () => {
  it('lists every task that announced itself, oldest first, with its cluster address', async () => {
    const dir = await freshDirectory('tasks-list');
    expect(await dir.list()).toEqual([]);
    await Promise.all([
      dir.announce({ id: 'taskB', address: 'b.internal:7935', startedAt: 2 }, 3000),
      dir.announce({ id: 'taskA', address: 'a.internal:7935', startedAt: 1 }, 3000),
      dir.announce({ id: 'taskC', address: 'c.internal:7935', startedAt: 3 }, 3000),
    ]);
    expect((await dir.list()).map((t) => [t.id, t.address])).toEqual([
      ['taskA', 'a.internal:7935'],
      ['taskB', 'b.internal:7935'],
      ['taskC', 'c.internal:7935'],
    ]);
  });

  it('drops a task that stopped announcing once its entry expired, and one that left', async () => {
    const dir = await freshDirectory('tasks-expiry');
    await dir.announce({ id: 'crashed', address: 'x:1', startedAt: 1 }, 3000);
    await dir.announce({ id: 'leaver', address: 'y:1', startedAt: 2 }, 3000);
    await dir.announce({ id: 'alive', address: 'z:1', startedAt: 3 }, 3000);
    await dir.leave('leaver');
    clock += 2000;
    await dir.announce({ id: 'alive', address: 'z:1', startedAt: 3 }, 3000);
    clock += 2000;
    expect((await dir.list()).map((t) => t.id)).toEqual(['alive']);
  });

  it('removes void entries from the row on a later announce, so the row does not grow with every task that came and went', async () => {
    const dir = await freshDirectory('tasks-prune');
    for (let i = 0; i < 20; i++) await dir.announce({ id: `gone${i}`, address: 'x:1', startedAt: i }, 1000);
    clock += 5000;
    await dir.announce({ id: 'survivor', address: 's:1', startedAt: 100 }, 1000); // sees 20 void entries
    await dir.announce({ id: 'survivor', address: 's:1', startedAt: 100 }, 1000); // removes them
    const row = await client.send(new GetItemCommand({ TableName: 'tasks-prune', Key: { pk: { S: 'tasks' } } }));
    expect(Object.keys(row.Item?.tasks?.M ?? {})).toEqual(['survivor']);
  });

  it('keeps a task id with characters DynamoDB paths would otherwise misread', async () => {
    const dir = await freshDirectory('tasks-names');
    await dir.announce({ id: 'ip-10-0-1-5.ec2.internal/abc:1', address: '10.0.1.5:7935', startedAt: 1 }, 3000);
    expect((await dir.list()).map((t) => t.id)).toEqual(['ip-10-0-1-5.ec2.internal/abc:1']);
  });
});
