import type { ConsoleSnapshot, ConsoleStream, ConsoleTask } from '#domain/console-api.js';
import type { TaskEntry } from '#ingest/cluster/task-directory.js';

/** Reader protocol of another task's edge pull: how a task carries a stream it does not own (not a viewer). */
const EDGE_READER = 'cluster';
/** Publisher protocol of a stream a task carries for its owner. */
const EDGE_PUBLISHER = 'edge';

/** One task's part: its directory entry and its own snapshot (undefined: it did not answer). */
export interface TaskSnapshot {
  readonly task: TaskEntry;
  readonly snapshot: ConsoleSnapshot | undefined;
}

function viewersOf(stream: ConsoleStream): { readers: number; byProtocol: Record<string, number> } {
  const byProtocol: Record<string, number> = {};
  let readers = 0;
  for (const [protocol, n] of Object.entries(stream.readersByProtocol)) {
    if (protocol === EDGE_READER) continue;
    byProtocol[protocol] = n;
    readers += n;
  }
  return { readers, byProtocol };
}

function taskOf(part: TaskSnapshot, selfId: string): ConsoleTask {
  const { task, snapshot } = part;
  const base = { id: task.id, address: task.address, self: task.id === selfId, reachable: snapshot !== undefined, startedAt: task.startedAt };
  if (snapshot === undefined) return base;
  const s = snapshot.server;
  return {
    ...base,
    streams: snapshot.streams.filter((st) => st.publisher.protocol !== EDGE_PUBLISHER).length,
    connections: s.connections,
    inBps: s.inBps,
    outBps: s.outBps,
    rssBytes: s.memory.rssBytes,
    draining: s.draining,
  };
}

/**
 * The console's view of a whole cluster from each task's own snapshot: every stream once, with the
 * facts of the task its publisher is connected to (`task`) and the viewers of every task summed
 * (another task's edge pull is not a viewer; a stream whose owner did not answer is shown from a
 * task that carries it), plus the list of tasks. `self` supplies the server part and the relays.
 */
export function mergeClusterSnapshots(self: ConsoleSnapshot, selfId: string, parts: readonly TaskSnapshot[]): ConsoleSnapshot {
  const byPath = new Map<string, { base: ConsoleStream; owner?: string; readers: number; byProtocol: Record<string, number>; outBps: number }>();
  for (const part of parts) {
    for (const stream of part.snapshot?.streams ?? []) {
      const isOwner = stream.publisher.protocol !== EDGE_PUBLISHER;
      const viewers = viewersOf(stream);
      const seen = byPath.get(stream.path);
      if (seen === undefined) {
        byPath.set(stream.path, { base: stream, ...(isOwner ? { owner: part.task.id } : {}), readers: viewers.readers, byProtocol: viewers.byProtocol, outBps: stream.outBps });
        continue;
      }
      if (isOwner && seen.owner === undefined) {
        seen.base = stream;
        seen.owner = part.task.id;
      }
      seen.readers += viewers.readers;
      seen.outBps += stream.outBps;
      for (const [protocol, n] of Object.entries(viewers.byProtocol)) seen.byProtocol[protocol] = (seen.byProtocol[protocol] ?? 0) + n;
    }
  }
  const streams: ConsoleStream[] = [...byPath.values()].map((m) => ({
    ...m.base,
    readers: m.readers,
    readersByProtocol: m.byProtocol,
    outBps: m.outBps,
    ...(m.owner !== undefined ? { task: m.owner } : {}),
  }));
  streams.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ...self, streams, cluster: { tasks: parts.map((p) => taskOf(p, selfId)) } };
}
