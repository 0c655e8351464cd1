import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleSnapshot } from '#domain/console-api.js';
import type { LocalCluster } from '#cli/start-local-cluster.js';
import { exited, publishTestPattern } from '../support/ffmpeg-runs.js';
import { startTestCluster } from '../support/start-test-cluster.js';
import { waitFor } from '../support/wait.js';

// The web console's API on any process of a cluster of three (as `streamgate start --cluster 3`
// runs them) answers for the whole cluster: a stream published on process 1 and watched on
// process 2 is listed once by process 3, with its owner and its viewers, and process 3 can kick
// its publisher and drop its viewers. Real ffmpeg, the embedded store, the cluster listeners.
const ALICE = { name: 'alice12', password: 's3cret-pass' };

let cluster: LocalCluster;
let dataDir: string;
let publisher: ChildProcess | undefined;
let viewer: ChildProcess | undefined;

const consoleCall = async (member: number, call: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
  const res = await fetch(`http://127.0.0.1:${cluster.members[member]!.ports.http}/console/api/${call}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${cluster.adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
};
const snapshot = async (member: number): Promise<ConsoleSnapshot> => {
  const { status, json } = await consoleCall(member, 'snapshot');
  expect(status).toBe(200);
  return json as ConsoleSnapshot;
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'streamgate-cluster-console-'));
  cluster = await startTestCluster({ dataDir, leaseTtlMs: 1500, heartbeatMs: 300, drainSeconds: 1, rtpBlockStart: 44000 });
  const res = await fetch(`${cluster.functionsUrl}/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${cluster.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: ALICE.name, password: ALICE.password, grants: { publish: ['cam1'], play: [] } }),
  });
  expect(res.status).toBe(201);
}, 90_000);

afterAll(async () => {
  publisher?.kill('SIGKILL');
  viewer?.kill('SIGKILL');
  await cluster?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

describe('the web console of a cluster', () => {
  it('lists on any process every task, and each stream once with the task it is published on and the viewers of every task', async () => {
    const [owner, edge] = [cluster.members[0]!, cluster.members[1]!];
    publisher = publishTestPattern(`rtmp://${ALICE.name}:${ALICE.password}@127.0.0.1:${owner.ports.rtmp}/live/cam1`);
    await waitFor(async () => (await snapshot(0)).streams.some((s) => s.path === 'live/cam1'), 20_000, 'live/cam1 live on process 1');
    // A viewer on process 2 (ffmpeg over RTMP): process 2 carries the stream by an edge pull from process 1.
    viewer = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', `rtmp://127.0.0.1:${edge.ports.rtmp}/live/cam1`, '-f', 'null', '-'], { stdio: 'ignore' });

    await waitFor(
      async () => {
        const snap = await snapshot(2);
        return snap.cluster?.tasks.length === 3 && snap.streams.find((s) => s.path === 'live/cam1')?.readers === 1;
      },
      15_000,
      'process 3 sees the three tasks and the viewer on process 2',
    );
    const snap = await snapshot(2);
    expect(snap.streams.filter((s) => s.path === 'live/cam1')).toHaveLength(1);
    const cam1 = snap.streams.find((s) => s.path === 'live/cam1')!;
    expect(cam1).toMatchObject({ task: owner.taskId, publisher: { protocol: 'rtmp', user: ALICE.name }, readers: 1, readersByProtocol: { rtmp: 1 }, video: { codec: 'h264' } });
    const tasks = snap.cluster!.tasks;
    expect(tasks.map((t) => t.id).sort()).toEqual(cluster.members.map((m) => m.taskId).sort());
    expect(tasks.every((t) => t.reachable)).toBe(true);
    expect(tasks.find((t) => t.self)?.id).toBe(cluster.members[2]!.taskId);
    expect(tasks.find((t) => t.id === owner.taskId)?.streams).toBe(1);
    expect(tasks.find((t) => t.id === edge.taskId)?.streams).toBe(0);
    // Process 2's own answer: the same stream, same owner (not its edge pull as a second stream).
    expect((await snapshot(1)).streams.filter((s) => s.path === 'live/cam1').map((s) => s.task)).toEqual([owner.taskId]);
  }, 60_000);

  it('drops the viewers of a stream on every process, and kicks its publisher from a process it is not connected to', async () => {
    const dropped = await consoleCall(2, 'streams/drop-readers', { stream: 'live/cam1' });
    expect(dropped.status).toBe(200);
    expect((dropped.json as { dropped: string[] }).dropped.some((id) => id.startsWith(`${cluster.members[1]!.taskId}/`))).toBe(true);
    await exited(viewer!);

    const kicked = await consoleCall(2, 'streams/kick', { stream: 'live/cam1' });
    expect(kicked.status, JSON.stringify(kicked.json)).toBe(200);
    await exited(publisher!);
    await waitFor(async () => !(await snapshot(2)).streams.some((s) => s.path === 'live/cam1'), 10_000, 'live/cam1 gone from the cluster console');
  }, 40_000);

  it('refuses the cluster listener\'s console calls without the cluster token', async () => {
    const res = await fetch(`http://127.0.0.1:${cluster.members[0]!.ports.cluster}/console/api/snapshot`, { headers: { authorization: `Bearer ${cluster.adminToken}` } });
    expect(res.status).toBe(401);
  });
});
