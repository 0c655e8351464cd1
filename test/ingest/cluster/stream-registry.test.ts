import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLocalDynamoClient } from '#functions/local/create-local-dynamo-client.js';
import { localRegistryClient } from '#ingest/cluster/create-registry-client.js';
import { startDynalite, type RunningDynalite } from '#functions/local/start-dynalite.js';
import { DynamoReplayCache } from '#ingest/cluster/dynamo-replay-cache.js';
import { ensureRegistryTable } from '#ingest/cluster/ensure-registry-table.js';
import { StreamRegistry } from '#ingest/cluster/stream-registry.js';

// The lease logic against the real embedded store (dynalite speaks the DynamoDB API, conditional
// writes included); the clock is injected so expiry is tested without waiting.
let db: RunningDynalite;
let client: DynamoDBClient;
const table = 'registry-test';
let clock = 1_000_000;
const now = () => clock;
let registry: StreamRegistry;

beforeAll(async () => {
  db = await startDynalite();
  client = createLocalDynamoClient(db.endpoint);
  await ensureRegistryTable(client, table);
  await ensureRegistryTable(client, table); // idempotent
  registry = new StreamRegistry(localRegistryClient(db.endpoint), table, { ttlMs: 5000 }, now);
});
afterAll(async () => {
  client?.destroy();
  await db?.close();
});

const req = (path: string, owner: string, user?: string) => ({
  path,
  owner,
  address: `${owner}.internal:7935`,
  connection: `${owner}-c1`,
  ...(user !== undefined ? { user } : {}),
});

describe('StreamRegistry (publisher lease) against the embedded store', () => {
  it('gives a free path to the first publisher at epoch 1 and names the holder to everyone else', async () => {
    const a = await registry.acquire(req('live/one', 'taskA', 'alice'));
    expect(a).toMatchObject({ ok: true, lease: { path: 'live/one', owner: 'taskA', user: 'alice', epoch: 1, expiresAt: clock + 5000 } });
    const b = await registry.acquire(req('live/one', 'taskB', 'bob'));
    expect(b).toMatchObject({ ok: false, holder: { owner: 'taskA', user: 'alice', address: 'taskA.internal:7935' } });
    expect(await registry.lookup('live/one')).toMatchObject({ owner: 'taskA', epoch: 1 });
  });

  it('lets exactly one of many racing tasks win a free path', async () => {
    const results = await Promise.all(['t1', 't2', 't3', 't4', 't5', 't6'].map((t) => registry.acquire(req('live/race', t, `user-${t}`))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const winner = results.find((r) => r.ok)!;
    const holder = await registry.lookup('live/race');
    expect(winner.ok && winner.lease.owner).toBe(holder?.owner);
  });

  it('hands the lease to the same user on another task (a reconnect), fencing the old holder out', async () => {
    const first = await registry.acquire(req('live/reconnect', 'taskA', 'carol'));
    expect(first.ok).toBe(true);
    const again = await registry.acquire(req('live/reconnect', 'taskB', 'carol'));
    expect(again).toMatchObject({ ok: true, lease: { owner: 'taskB', epoch: 2 }, replaced: { owner: 'taskA', epoch: 1 } });
    // The old holder's heartbeat and release fail: it learns it lost the stream and cannot free it.
    expect(await registry.renew(first.ok ? first.lease : (undefined as never))).toBe(false);
    expect(await registry.release(first.ok ? first.lease : (undefined as never))).toBe(false);
    expect(await registry.lookup('live/reconnect')).toMatchObject({ owner: 'taskB', epoch: 2 });
  });

  it('treats a lease not renewed within its ttl as void: lookups skip it, anyone may take it', async () => {
    const held = await registry.acquire(req('live/crash', 'taskA', 'dave'));
    expect(held.ok).toBe(true);
    clock += 4000;
    expect(await registry.acquire(req('live/crash', 'taskB', 'erin'))).toMatchObject({ ok: false });
    clock += 1001; // 5001 ms after the last write: past expiresAt
    expect(await registry.lookup('live/crash')).toBeUndefined();
    expect(await registry.lookup('live/crash', true)).toMatchObject({ owner: 'taskA' });
    const taken = await registry.acquire(req('live/crash', 'taskB', 'erin'));
    expect(taken).toMatchObject({ ok: true, lease: { owner: 'taskB', user: 'erin', epoch: 2 } });
  });

  it('keeps a renewed lease alive past its first ttl', async () => {
    const held = await registry.acquire(req('live/renew', 'taskA', 'fay'));
    if (!held.ok) throw new Error('not acquired');
    for (let i = 0; i < 4; i++) {
      clock += 3000;
      expect(await registry.renew(held.lease)).toBe(true);
    }
    expect(await registry.acquire(req('live/renew', 'taskB', 'gus'))).toMatchObject({ ok: false, holder: { owner: 'taskA' } });
    expect(await registry.lookup('live/renew')).toMatchObject({ expiresAt: clock + 5000 });
  });

  it('frees the path on release, and a release only removes its own epoch', async () => {
    const held = await registry.acquire(req('live/release', 'taskA'));
    if (!held.ok) throw new Error('not acquired');
    expect(held.lease.user).toBeUndefined();
    expect(await registry.release(held.lease)).toBe(true);
    expect(await registry.lookup('live/release')).toBeUndefined();
    const next = await registry.acquire(req('live/release', 'taskB'));
    expect(next).toMatchObject({ ok: true, lease: { owner: 'taskB', epoch: 1 } });
  });

  it('without auth (no user), a second task cannot take a held path', async () => {
    expect(await registry.acquire(req('live/anon', 'taskA'))).toMatchObject({ ok: true });
    expect(await registry.acquire(req('live/anon', 'taskB'))).toMatchObject({ ok: false, holder: { owner: 'taskA' } });
  });
});

describe('DynamoReplayCache (Adobe challenge ids, cluster-wide)', () => {
  it('accepts a challenge id once across caches sharing the store, again only after it expired', async () => {
    const taskA = new DynamoReplayCache(localRegistryClient(db.endpoint), table);
    const taskB = new DynamoReplayCache(localRegistryClient(db.endpoint), table);
    const t = 5_000_000;
    const claims = await Promise.all([taskA.claim('ch-1', t + 60_000, t), taskB.claim('ch-1', t + 60_000, t), taskB.claim('ch-1', t + 60_000, t)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await taskA.claim('ch-1', t + 60_000, t + 1000)).toBe(false);
    expect(await taskB.claim('ch-2', t + 60_000, t)).toBe(true);
    expect(await taskB.claim('ch-1', t + 200_000, t + 60_001)).toBe(true);
  });

  it('refuses (fails closed) when the store cannot be reached', async () => {
    const dead = localRegistryClient('http://127.0.0.1:9');
    expect(await new DynamoReplayCache(dead, table).claim('ch-x', Date.now() + 60_000, Date.now())).toBe(false);
  });
});
