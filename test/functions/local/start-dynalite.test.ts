import { CreateTableCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createLocalDynamoClient } from '#functions/local/create-local-dynamo-client.js';
import { startDynalite } from '#functions/local/start-dynalite.js';

const TABLE = 'close-race';

/** Uncaught exceptions of this process while `run` goes on (dynalite throws them from its callbacks). */
async function uncaughtDuring(run: () => Promise<void>): Promise<Error[]> {
  const seen: Error[] = [];
  const listeners = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  const record = (err: Error): void => {
    seen.push(err);
  };
  process.on('uncaughtException', record);
  try {
    await run();
    // Whatever dynalite still had queued runs within a few turns.
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    process.off('uncaughtException', record);
    for (const l of listeners) process.on('uncaughtException', l);
  }
  return seen;
}

describe('the embedded store (dynalite) at close', () => {
  it('answers or refuses every request still coming in while it closes, and never throws "Database is closed" in the hosting process', async () => {
    const errors = await uncaughtDuring(async () => {
      for (let round = 0; round < 5; round++) {
        const db = await startDynalite();
        const client = createLocalDynamoClient(db.endpoint);
        await client.send(
          new CreateTableCommand({
            TableName: TABLE,
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            BillingMode: 'PAY_PER_REQUEST',
          }),
        );
        // Many writers, as cluster members heartbeating; the store closes as soon as the first is answered.
        const writes = Array.from({ length: 40 }, (_, i) =>
          client.send(new UpdateItemCommand({ TableName: TABLE, Key: { pk: { S: `k${i % 4}` } }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': { N: String(i) } } })),
        );
        await Promise.race(writes);
        await db.close();
        const settled = await Promise.allSettled(writes);
        client.destroy();
        expect(settled.filter((s) => s.status === 'fulfilled').length).toBeGreaterThan(0);
      }
    });
    expect(errors.map((e) => e.message)).toEqual([]);
  }, 30_000);
});
