/**
 * One publisher per stream across a cluster holds for every kind of publisher: raw FLV and TS over TCP,
 * SRT and relay pull sources take the stream's lease like RTMP and RTSP publishers. Two ingests
 * in cluster mode in this process share one embedded store (dynalite), as the tasks of a cluster
 * share the registry table (test/e2e/cluster.test.ts runs the same with processes and ffmpeg).
 *
 * On the code before, every test here fails: raw, SRT and relay-pull publishers went straight to
 * their own task's hub, so a second publisher of the same stream was accepted on the other task
 * and an RTMP publisher there was never told the stream was taken.
 */
import { connect, type Socket } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoJsonClient } from '#ingest/cluster/dynamo-json-client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalDynamoClient } from '#functions/local/create-local-dynamo-client.js';
import { localRegistryClient } from '#ingest/cluster/create-registry-client.js';
import { startDynalite, type RunningDynalite } from '#functions/local/start-dynalite.js';
import { ensureRegistryTable } from '#ingest/cluster/ensure-registry-table.js';
import { encodeAmf0 } from '#ingest/protocols/amf/amf0-encoder.js';
import { encodeFlvHeader, encodeFlvTag } from '#ingest/protocols/flv/flv-muxer.js';
import { SRT_HS_TYPE, SRT_REJECT } from '#ingest/protocols/srt/srt-handshake.js';
import { publishTestPattern, stopProcess } from '../support/ffmpeg-runs.js';
import { startTestIngest, type TestIngest } from '../support/ingest-harness.js';
import { RtmpTestClient } from '../support/rtmp-test-client.js';
import { srtCallerHandshake } from '../support/srt-test-caller.js';
import { freeUdpPort } from '../support/udp.js';
import { waitFor } from '../support/wait.js';

const TABLE = 'registry-lease-test';
let db: RunningDynalite;
let client: DynamoDBClient;
let registryClient: DynamoJsonClient;
let a: TestIngest;
let b: TestIngest;
let origin: TestIngest;
const cleanups: (() => unknown)[] = [];

async function member(): Promise<TestIngest> {
  return startTestIngest(
    {
      STREAMGATE_REGISTRY_TABLE: TABLE,
      STREAMGATE_CLUSTER_TOKEN: 'cluster-token-for-tests-0123',
      STREAMGATE_CLUSTER_PORT: '0',
      STREAMGATE_CLUSTER_HOST: '127.0.0.1',
      STREAMGATE_CLUSTER_ADVERTISE: '127.0.0.1',
      STREAMGATE_LEASE_TTL_MS: '3000',
      STREAMGATE_LEASE_HEARTBEAT_MS: '500',
      STREAMGATE_SRT_PORT: String(await freeUdpPort()),
      STREAMGATE_RELAY_ALLOW_PRIVATE: 'on',
      STREAMGATE_RELAY_RETRY_MAX_MS: '1000',
      STREAMGATE_LOG_LEVEL: 'info',
    },
    { registryClient, relayRetryMinMs: 200 },
  );
}

beforeAll(async () => {
  db = await startDynalite();
  client = createLocalDynamoClient(db.endpoint);
  await ensureRegistryTable(client, TABLE);
  registryClient = localRegistryClient(db.endpoint);
  [a, b, origin] = await Promise.all([member(), member(), startTestIngest({ STREAMGATE_LOG_LEVEL: 'info' })]);
}, 30_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await Promise.all([a?.close(), b?.close(), origin?.close()]);
  // Lease releases are sent as publishers end: let them reach the store before it closes.
  await new Promise((resolve) => setTimeout(resolve, 500));
  client?.destroy();
  await db?.close();
});

async function rtmpPublish(t: TestIngest, stream: string): Promise<{ code: string; client: RtmpTestClient }> {
  const c = new RtmpTestClient();
  cleanups.push(() => c.close());
  await c.connect(t.rtmpUrl('live'));
  return { code: (await c.publish(stream)).code ?? '', client: c };
}

/** A raw FLV publisher naming `name`; resolves with the socket once it is written. */
function rawFlv(t: TestIngest, name: string): { socket: Socket; closed: Promise<void> } {
  const socket = connect(t.ingest.ports.flv, '127.0.0.1', () => {
    socket.write(Buffer.concat([encodeFlvHeader(), encodeFlvTag(18, 0, encodeAmf0('onMetaData', { streamName: name }))]));
  });
  socket.on('error', () => undefined);
  cleanups.push(() => socket.destroy());
  return { socket, closed: new Promise((resolve) => socket.on('close', () => resolve())) };
}

describe('raw FLV over TCP takes the cluster lease', () => {
  it('is closed with RAW_STREAM_BUSY when an RTMP publisher on the other task holds the stream', async () => {
    const held = await rtmpPublish(a, 'rawbusy');
    expect(held.code).toBe('NetStream.Publish.Start');
    const raw = rawFlv(b, 'rawbusy');
    await raw.closed;
    expect(b.logs.find((l) => l.event === 'raw.publish-busy')).toMatchObject({ code: 'RAW_STREAM_BUSY', path: 'live/rawbusy' });
    expect(b.ingest.hub.streamInfo('live/rawbusy')?.publisher?.protocol).not.toBe('flv-tcp');
  });

  it('holds the stream against an RTMP publisher on the other task (BadName) until it leaves', async () => {
    const raw = rawFlv(a, 'rawowner');
    await waitFor(() => a.ingest.hub.isLive('live/rawowner'), 5000, 'the raw publish');
    expect(a.logs.some((l) => l.event === 'cluster.lease' && l.path === 'live/rawowner')).toBe(true);
    expect((await rtmpPublish(b, 'rawowner')).code).toBe('NetStream.Publish.BadName');
    raw.socket.destroy();
    await waitFor(() => a.logs.some((l) => l.event === 'cluster.release' && l.path === 'live/rawowner'), 5000, 'the lease release');
    expect((await rtmpPublish(b, 'rawowner')).code).toBe('NetStream.Publish.Start');
  });
});

describe('raw MPEG-TS over TCP takes the cluster lease', () => {
  it('an ffmpeg TS publisher is closed with RAW_STREAM_BUSY when an RTMP publisher on the other task holds the stream', async () => {
    expect((await rtmpPublish(a, 'tsbusy')).code).toBe('NetStream.Publish.Start');
    const pub = publishTestPattern(`tcp://127.0.0.1:${b.ingest.ports.ts}`, { seconds: 5, gop: 25, format: 'mpegts', extraOutputArgs: ['-metadata', 'service_name=tsbusy'] });
    cleanups.push(() => stopProcess(pub));
    await waitFor(() => b.logs.some((l) => l.event === 'raw.publish-busy' && l.path === 'live/tsbusy'), 10_000, 'the refusal');
    expect(b.logs.find((l) => l.event === 'raw.publish-busy' && l.path === 'live/tsbusy')).toMatchObject({ protocol: 'ts-tcp', code: 'RAW_STREAM_BUSY' });
  }, 20_000);
});

describe('SRT takes the cluster lease', () => {
  it('is refused with 1409 SRT_REJX_CONFLICT when an RTMP publisher on the other task holds the stream', async () => {
    expect((await rtmpPublish(a, 'srtbusy')).code).toBe('NetStream.Publish.Start');
    const hs = await srtCallerHandshake(b.ingest.ports.srt!, 'publish:live/srtbusy');
    expect(hs.type).toBe(1000 + SRT_REJECT.conflict);
    expect(b.logs.find((l) => l.event === 'srt.refused' && l.code === 'SRT_STREAM_BUSY')).toBeDefined();
  });

  it('an ffmpeg SRT publisher holds the stream against an RTMP publisher on the other task (BadName)', async () => {
    const pub = publishTestPattern(`srt://127.0.0.1:${a.ingest.ports.srt}?streamid=publish:live/srtowner`, { seconds: 30, gop: 25, format: 'mpegts' });
    cleanups.push(() => stopProcess(pub));
    await waitFor(() => a.ingest.hub.isLive('live/srtowner'), 10_000, 'the SRT publish');
    expect(a.logs.some((l) => l.event === 'cluster.lease' && l.path === 'live/srtowner')).toBe(true);
    expect((await rtmpPublish(b, 'srtowner')).code).toBe('NetStream.Publish.BadName');
  }, 20_000);
});

describe('SRT players on a task that does not own the stream', () => {
  it('get it by an edge pull: the handshake of a play on the other task is accepted, not refused as not live', async () => {
    const pub = publishTestPattern(a.rtmpUrl('live/srtplay'), { seconds: 20, gop: 25 });
    cleanups.push(() => stopProcess(pub));
    await waitFor(() => (a.ingest.hub.streamInfo('live/srtplay')?.framesIn ?? 0) > 10, 10_000, 'the publish on A');
    expect(b.ingest.hub.isLive('live/srtplay')).toBe(false);
    const hs = await srtCallerHandshake(b.ingest.ports.srt!, 'read:live/srtplay', 8000);
    expect(hs.type).toBe(SRT_HS_TYPE.conclusion);
    expect(b.logs.some((l) => l.event === 'srt.play' && l.stream === 'srtplay')).toBe(true);
  }, 25_000);
});

describe('relay pull sources take the cluster lease', () => {
  it('a pulled stream holds its path cluster-wide; a pull whose path another task holds stands by without opening its source', async () => {
    const pub = publishTestPattern(origin.rtmpUrl('live/src'), { seconds: 30, gop: 25 });
    cleanups.push(() => stopProcess(pub));
    await waitFor(() => origin.ingest.hub.isLive('live/src'), 10_000, 'origin live');
    const source = `rtmp://127.0.0.1:${origin.ingest.ports.rtmp}/live/src`;
    a.ingest.relays.setDefinitions([{ id: 'pulled', stream: 'live/pulled', pull: source, mode: 'always' }]);
    await waitFor(() => a.ingest.relays.statuses().find((s) => s.relay === 'pulled')?.state === 'live', 10_000, 'the pull live on A');
    expect(a.logs.some((l) => l.event === 'cluster.lease' && l.path === 'live/pulled')).toBe(true);
    expect((await rtmpPublish(b, 'pulled')).code).toBe('NetStream.Publish.BadName');

    expect((await rtmpPublish(b, 'heldonb')).code).toBe('NetStream.Publish.Start');
    a.ingest.relays.setDefinitions([{ id: 'blocked', stream: 'live/heldonb', pull: source, mode: 'always' }]);
    await waitFor(() => a.ingest.relays.statuses().find((s) => s.relay === 'blocked')?.state === 'standby', 10_000, 'the pull standing by');
    expect(a.ingest.relays.statuses().find((s) => s.relay === 'blocked')).toMatchObject({ state: 'standby', connects: 0, failures: 0, heldBy: expect.stringContaining('task ') });
    expect(a.logs.some((l) => l.event === 'relay.standby' && l.relay === 'blocked')).toBe(true);
    // It stays standing by across heartbeats and never opens the source: with the first relay
    // removed, the origin has no player at all.
    // Sampled every 50 ms over three heartbeats: it reads `standby` throughout, its looks included.
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      seen.add(a.ingest.relays.statuses().find((s) => s.relay === 'blocked')!.state);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect([...seen]).toEqual(['standby']);
    expect(a.ingest.relays.statuses().find((s) => s.relay === 'blocked')).toMatchObject({ state: 'standby', connects: 0, failures: 0 });
    expect(origin.ingest.hub.streamInfo('live/src')?.readers).toBe(0);
    expect(a.ingest.hub.streamInfo('live/heldonb')?.publisher?.protocol).not.toBe('relay-pull');
    a.ingest.relays.setDefinitions([]);
  }, 40_000);
});
