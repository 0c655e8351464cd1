import { describe, expect, it } from 'vitest';
import type { ConsoleSnapshot, ConsoleStream } from '#domain/console-api.js';
import { mergeClusterSnapshots } from '#ingest/servers/http/console/merge-cluster-snapshots.js';

const stream = (path: string, protocol: string, readersByProtocol: Record<string, number>, outBps = 0): ConsoleStream => ({
  path,
  publisher: { id: 'c1', protocol, remoteAddress: protocol === 'edge' ? 'owner:7935' : '203.0.113.5', since: 1 },
  readers: Object.values(readersByProtocol).reduce((a, b) => a + b, 0),
  readersByProtocol,
  framesIn: 10,
  framesDropped: 0,
  inBps: 2_500_000,
  outBps,
});
const snap = (streams: ConsoleStream[], connections = 1): ConsoleSnapshot =>
  ({ server: { connections, inBps: 1, outBps: 2, draining: false, memory: { rssBytes: 50e6 } }, streams, relays: [] }) as unknown as ConsoleSnapshot;
const task = (id: string, startedAt: number) => ({ id, address: `${id}:7935`, startedAt, expiresAt: 9e15 });

describe('mergeClusterSnapshots', () => {
  it('lists a stream once from its owner, sums viewers over tasks and never counts another task\'s edge pull as a viewer', () => {
    const owner = snap([stream('live/a', 'rtmp', { rtmp: 2, cluster: 1 }, 300)]);
    const edge = snap([stream('live/a', 'edge', { 'http-flv': 3 }, 200)]);
    const merged = mergeClusterSnapshots(edge, 'B', [
      { task: task('A', 1), snapshot: owner },
      { task: task('B', 2), snapshot: edge },
    ]);
    expect(merged.streams).toHaveLength(1);
    expect(merged.streams[0]).toMatchObject({ path: 'live/a', task: 'A', publisher: { protocol: 'rtmp' }, readers: 5, readersByProtocol: { rtmp: 2, 'http-flv': 3 }, outBps: 500 });
    expect(merged.cluster?.tasks).toMatchObject([
      { id: 'A', self: false, reachable: true, streams: 1 },
      { id: 'B', self: true, reachable: true, streams: 0 },
    ]);
  });

  it('shows a stream whose owner did not answer from a task that carries it, and the owner as not reachable', () => {
    const edge = snap([stream('live/a', 'edge', { rtsp: 1 })]);
    const merged = mergeClusterSnapshots(edge, 'B', [
      { task: task('A', 1), snapshot: undefined },
      { task: task('B', 2), snapshot: edge },
    ]);
    expect(merged.streams).toMatchObject([{ path: 'live/a', publisher: { protocol: 'edge' }, readers: 1 }]);
    expect(merged.streams[0]!.task).toBeUndefined();
    expect(merged.cluster?.tasks[0]).toEqual({ id: 'A', address: 'A:7935', self: false, reachable: false, startedAt: 1 });
  });

  it('keeps streams sorted by path across tasks', () => {
    const merged = mergeClusterSnapshots(snap([]), 'A', [
      { task: task('A', 1), snapshot: snap([stream('live/z', 'rtmp', {})]) },
      { task: task('B', 2), snapshot: snap([stream('live/b', 'srt', {}), stream('app/x', 'rtsp', {})]) },
    ]);
    expect(merged.streams.map((s) => s.path)).toEqual(['app/x', 'live/b', 'live/z']);
  });
});
