import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_REGISTRY_TABLE, type LocalCluster } from '#cli/start-local-cluster.js';
import { localRegistryClient } from '#ingest/cluster/create-registry-client.js';
import { StreamRegistry } from '#ingest/cluster/stream-registry.js';
import { playAndCount, publishTestPattern } from '../support/ffmpeg-runs.js';
import { PLAYER_CONNECT } from '../support/local-stack-harness.js';
import { RtmpTestClient, type ReceivedMessage } from '../support/rtmp-test-client.js';
import { startTestCluster } from '../support/start-test-cluster.js';
import { sleep, waitFor } from '../support/wait.js';

// Three ingest processes in cluster mode behind the round-robin balancer, as
// `streamgate start --cluster 3` runs them, with short lease timings so a crashed owner's lease
// lapses in 1.5 s. Everything is real: ffmpeg, the embedded store, the TCP balancer.
const LEASE_TTL_MS = 1500;
const HEARTBEAT_MS = 300;
const ALICE = { name: 'alice12', password: 's3cret-pass' };
const BOB = { name: 'bobby34', password: 'b0b-secret-9' };
const STREAMS = ['cam1', 'race', 'cam2', 'crash'];

let cluster: LocalCluster;
let dataDir: string;
const publishers: ChildProcess[] = [];
const clients: RtmpTestClient[] = [];

const creds = (u: { name: string; password: string }) => `user=${u.name}&pass=${u.password}`;
const memberUrl = (i: number, scheme: 'rtmp' | 'rtsp' | 'http', path: string) => {
  const m = cluster.members[i]!;
  return scheme === 'http' ? `http://127.0.0.1:${m.ports.http}/${path}` : `${scheme}://127.0.0.1:${m.ports[scheme]}/${path}`;
};
const rtmpClient = async (url: string, extra: Record<string, unknown> = {}): Promise<RtmpTestClient> => {
  const c = new RtmpTestClient();
  clients.push(c);
  expect((await c.connect(url, extra)).name).toBe('_result');
  return c;
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'streamgate-cluster-'));
  cluster = await startTestCluster({
    dataDir,
    leaseTtlMs: LEASE_TTL_MS,
    heartbeatMs: HEARTBEAT_MS,
    drainSeconds: 1,
    rtpBlockStart: 40000,
  });

  for (const u of [ALICE, BOB]) {
    const res = await fetch(`${cluster.functionsUrl}/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cluster.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: u.name, password: u.password, grants: { publish: STREAMS, play: [] } }),
    });
    expect(res.status).toBe(201);
  }
}, 90_000);

afterAll(async () => {
  for (const p of publishers) p.kill('SIGKILL');
  for (const c of clients) await c.close().catch(() => undefined);
  await cluster?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

describe('a cluster of three ingest processes acts as one server', () => {
  it('publishes once through the balancer and plays on every process over RTMP, RTSP, HTTP-FLV and HLS', async () => {
    // Adobe auth through the balancer: the challenge and the answer land on different processes.
    const pub = publishTestPattern(`rtmp://${ALICE.name}:${ALICE.password}@127.0.0.1:${cluster.ports.rtmp}/live/cam1`);
    publishers.push(pub);
    const hls = (i: number, file: string) => fetch(memberUrl(i, 'http', `live/cam1/${file}`));
    await waitFor(async () => (await hls(0, 'index.m3u8')).status === 200, 20_000, 'an HLS playlist of live/cam1');
    const runs = await Promise.all(
      [0, 1, 2].flatMap((i) => [
        playAndCount(memberUrl(i, 'rtmp', 'live/cam1'), { frames: 10, timeoutMs: 15_000 }),
        playAndCount(memberUrl(i, 'rtsp', 'live/cam1'), { frames: 10, timeoutMs: 15_000, inputArgs: ['-rtsp_transport', 'tcp'] }),
        playAndCount(memberUrl(i, 'http', 'live/cam1.flv'), { frames: 10, timeoutMs: 15_000 }),
      ]),
    );
    for (const r of runs) expect(r.videoFrames, r.stderr).toBe(10);
    // HLS: every process lists the same segments (the owner's), so a player bouncing between
    // processes behind the balancer gets a consistent playlist and every segment.
    const playlists = await Promise.all([0, 1, 2].map(async (i) => (await hls(i, 'index.m3u8')).text()));
    const names = playlists.map((p) => p.split('\n').filter((l) => l.endsWith('.ts')));
    expect(names[0]!.length).toBeGreaterThan(0);
    const first = names[0]![0]!;
    const segments = await Promise.all([0, 1, 2].map(async (i) => Buffer.from(await (await hls(i, first)).arrayBuffer())));
    expect(segments[0]!.length).toBeGreaterThan(1000);
    expect(segments[1]!.equals(segments[0]!)).toBe(true);
    expect(segments[2]!.equals(segments[0]!)).toBe(true);
    // A stream live nowhere gets today's answer on any process.
    expect((await fetch(memberUrl(1, 'http', 'live/nothing.flv'))).status).toBe(404);
    pub.kill('SIGKILL');
  }, 60_000);

  it('lets exactly one of two users racing for a stream on two processes publish it', async () => {
    const alice = await rtmpClient(memberUrl(1, 'rtmp', `live?${creds(ALICE)}`));
    const bob = await rtmpClient(memberUrl(2, 'rtmp', `live?${creds(BOB)}`));
    const [a, b] = await Promise.all([alice.publish('race'), bob.publish('race')]);
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual(['NetStream.Publish.BadName', 'NetStream.Publish.Start']);
  }, 30_000);

  it('hands a stream to the same user reconnecting on another process and ends the stale session there', async () => {
    const stale = await rtmpClient(memberUrl(0, 'rtmp', `live?${creds(ALICE)}`));
    expect((await stale.publish('cam2')).code).toBe('NetStream.Publish.Start');
    const started = Date.now();
    const fresh = await rtmpClient(memberUrl(1, 'rtmp', `live?${creds(ALICE)}`));
    expect((await fresh.publish('cam2')).code).toBe('NetStream.Publish.Start');
    await Promise.race([stale.closed, sleep(5000).then(() => Promise.reject(new Error('the stale session was not ended')))]);
    // The old owner notices at its next heartbeat.
    expect(Date.now() - started).toBeLessThan(HEARTBEAT_MS * 2 + 2000);
    const other = await rtmpClient(memberUrl(2, 'rtmp', `live?${creds(BOB)}`));
    expect((await other.publish('cam2')).code).toBe('NetStream.Publish.BadName');
  }, 30_000);

  it('frees a SIGKILLed owner\'s stream when its lease lapses; viewers elsewhere follow the new publisher', async () => {
    const owner = cluster.members[0]!;
    const pub = publishTestPattern(`rtmp://${ALICE.name}:${ALICE.password}@127.0.0.1:${owner.ports.rtmp}/live/crash`);
    publishers.push(pub);
    const viewers = await Promise.all([1, 2].map((i) => rtmpClient(memberUrl(i, 'rtmp', 'live'), PLAYER_CONNECT)));
    await Promise.all(viewers.map((v) => v.play('crash')));
    await Promise.all(viewers.map((v) => v.nextMessage((m) => m.kind === 'media' && m.typeId === 9, 20_000)));

    const client = localRegistryClient(cluster.storeEndpoint);
    const registry = new StreamRegistry(client, LOCAL_REGISTRY_TABLE, { ttlMs: LEASE_TTL_MS });
    try {
      expect(await registry.lookup('live/crash')).toMatchObject({ owner: owner.taskId, user: ALICE.name });
      const killedAt = Date.now();
      owner.child.kill('SIGKILL');
      const gone = await Promise.all(viewers.map((v) => v.nextCommand((m) => m.code === 'NetStream.Play.UnpublishNotify', 10_000)));
      // Another user may take the stream only once the dead owner's lease has lapsed.
      await waitFor(async () => (await registry.lookup('live/crash')) === undefined, 10_000, 'the lease to lapse', 50);
      const lapsedMs = Date.now() - killedAt;
      expect(lapsedMs).toBeLessThan(LEASE_TTL_MS + 2000);
      const republish = publishTestPattern(`rtmp://${BOB.name}:${BOB.password}@127.0.0.1:${cluster.ports.rtmp}/live/crash`);
      publishers.push(republish);
      // PublishNotify after the UnpublishNotify, then video: the new owner's stream through a new edge pull.
      const since = (v: RtmpTestClient, i: number) => v.received.slice(v.received.indexOf(gone[i]!));
      const isNotify = (m: ReceivedMessage) => m.kind === 'command' && m.code === 'NetStream.Play.PublishNotify';
      await Promise.all(viewers.map((v, i) => waitFor(() => since(v, i).some(isNotify), 20_000, 'PublishNotify after the crash')));
      await Promise.all(
        viewers.map((v, i) =>
          waitFor(() => since(v, i).slice(since(v, i).findIndex(isNotify)).some((m) => m.kind === 'media' && m.typeId === 9), 20_000, 'video after PublishNotify'),
        ),
      );
      const lease = await registry.lookup('live/crash');
      expect(lease?.user).toBe(BOB.name);
      expect(lease?.owner).not.toBe(owner.taskId);
      process.stdout.write(`cluster e2e: lease lapsed ${lapsedMs} ms after SIGKILL (ttl ${LEASE_TTL_MS} ms)\n`);
    } finally {
    }
  }, 90_000);
});
