import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { silentLogger } from '#domain/logger.js';
import { createLocalDynamoClient } from '#functions/local/create-local-dynamo-client.js';
import { localRegistryClient } from '#ingest/cluster/create-registry-client.js';
import { startDynalite, type RunningDynalite } from '#functions/local/start-dynalite.js';
import { ClusterNode } from '#ingest/cluster/cluster-node.js';
import { ensureRegistryTable } from '#ingest/cluster/ensure-registry-table.js';
import { StreamRegistry } from '#ingest/cluster/stream-registry.js';
import { Hub } from '#ingest/hub/hub.js';

// What a relay pull asks before it opens its source (ClusterNode.heldElsewhere), against the real
// embedded store; the registry's clock is injected so a lapsed lease needs no waiting.
let db: RunningDynalite;
let client: DynamoDBClient;
const table = 'held-elsewhere-test';
let clock = 1_000_000;
let registry: StreamRegistry;
const nodes: ClusterNode[] = [];

function node(taskId: string): ClusterNode {
  const hub = new Hub({ gop: { maxBytes: 1_000_000, maxDurationMs: 10_000 }, reader: { maxQueueBytes: 1_000_000, maxBlockedMs: 10_000 }, waitForPublisherMs: 30_000 });
  const n = new ClusterNode(hub, registry, { taskId, address: `${taskId}:7935`, token: 't', heartbeatMs: 60_000, lingerMs: 60_000, pullTimeoutMs: 1000 }, silentLogger);
  nodes.push(n);
  return n;
}

beforeAll(async () => {
  db = await startDynalite();
  client = createLocalDynamoClient(db.endpoint);
  await ensureRegistryTable(client, table);
  registry = new StreamRegistry(localRegistryClient(db.endpoint), table, { ttlMs: 5000 }, () => clock);
});
afterAll(async () => {
  for (const n of nodes) n.close();
  client?.destroy();
  await db?.close();
});

describe('ClusterNode.heldElsewhere (may this task open a relay pull of the stream?)', () => {
  it('answers nothing for a free stream or one this task holds, and names another holder until its lease lapses', async () => {
    const [a, b] = [node('taskA'), node('taskB')];
    expect(await a.heldElsewhere('live/pulled')).toBeUndefined();
    const claimed = await b.claim('live/pulled', { id: 'taskB-pull', protocol: 'relay-pull', remoteAddress: 'src', kick: () => undefined });
    expect(claimed.ok).toBe(true);
    expect(await a.heldElsewhere('live/pulled')).toBe('task taskB');
    expect(await b.heldElsewhere('live/pulled')).toBeUndefined();
    // taskB dies: nothing renews its lease, which lapses after the TTL.
    clock += 5001;
    expect(await a.heldElsewhere('live/pulled')).toBeUndefined();
  });

  it('answers for every stream once this task drains, so it takes none back before it stops', async () => {
    const c = node('taskC');
    expect(await c.heldElsewhere('live/free')).toBeUndefined();
    c.releaseAll('draining');
    expect(await c.heldElsewhere('live/free')).toBe('another task (this one is draining)');
  });
});
