import type { ConsoleSnapshot } from '#domain/console-api.js';
import type { ClusterNode } from '#ingest/cluster/cluster-node.js';
import type { ClusterAnswer } from '#ingest/cluster/cluster-request.js';
import { mergeClusterSnapshots, type TaskSnapshot } from './merge-cluster-snapshots.js';

/** How long the console waits for another task (it polls every second; a silent task is shown unreachable). */
export const CLUSTER_CONSOLE_TIMEOUT_MS = 800;
/** Bound on one task's snapshot (a few KB per dozen streams). */
const MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024;
/** Bound on an action's answer. */
const MAX_ACTION_BYTES = 1024 * 1024;

function snapshotOf(answer: ClusterAnswer | undefined): ConsoleSnapshot | undefined {
  if (answer?.status !== 200) return undefined;
  try {
    const value = JSON.parse(answer.body.toString('utf8')) as Partial<ConsoleSnapshot>;
    return Array.isArray(value.streams) && typeof value.server === 'object' && value.server !== null ? (value as ConsoleSnapshot) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The console of one task answering for the whole cluster: every other task's snapshot read over
 * the cluster listeners (bearer cluster token, in parallel, bounded by
 * {@link CLUSTER_CONSOLE_TIMEOUT_MS}) and merged with this task's.
 */
export async function clusterSnapshot(cluster: ClusterNode, local: ConsoleSnapshot): Promise<ConsoleSnapshot> {
  const tasks = await cluster.tasks();
  const parts: TaskSnapshot[] = await Promise.all(
    tasks.map(async (task) => ({
      task,
      snapshot:
        task.id === cluster.taskId
          ? local
          : snapshotOf(await cluster.ask(task.address, '/console/api/snapshot', { timeoutMs: CLUSTER_CONSOLE_TIMEOUT_MS, maxBytes: MAX_SNAPSHOT_BYTES })),
    })),
  );
  return mergeClusterSnapshots(local, cluster.taskId, parts);
}

/** A console action (`streams/kick`, `streams/drop-readers`) run by another task on its own connections. */
export function askTask(cluster: ClusterNode, address: string, action: 'kick' | 'drop-readers', stream: string): Promise<ClusterAnswer | undefined> {
  return cluster.ask(address, `/console/api/streams/${action}`, { method: 'POST', json: { stream }, timeoutMs: CLUSTER_CONSOLE_TIMEOUT_MS * 2, maxBytes: MAX_ACTION_BYTES });
}
