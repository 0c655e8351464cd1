import type { ClaimResult } from '../cluster/cluster-node.js';
import type { PublisherInfo } from '../hub/publisher-info.js';
import type { IngestContext } from './ingest-context.js';

/**
 * Claims `path` for a publisher the way every protocol does it: on a single task in the hub, where
 * the same user reconnecting (a dropped encoder, OBS auto-reconnect) replaces their stale session
 * and anyone else is refused; in a cluster through the lease in the stream registry first, so
 * that holds across every task. `replaced` names the session that was replaced, if any.
 */
export async function publishStream(ctx: Pick<IngestContext, 'hub' | 'cluster'>, path: string, info: PublisherInfo): Promise<ClaimResult> {
  return claimStream(ctx, path, info);
}

/**
 * {@link publishStream} answering at once where it can: synchronously on a single task (the hub
 * decides in the call), a promise only when a cluster lease has to be taken first. For
 * publishers that must not let a turn of the event loop pass unseen (raw TCP, SRT packet loops).
 */
export function claimStream(ctx: Pick<IngestContext, 'hub' | 'cluster'>, path: string, info: PublisherInfo): ClaimResult | Promise<ClaimResult> {
  if (ctx.cluster !== undefined) return ctx.cluster.claim(path, info);
  let result = ctx.hub.publish(path, info);
  if (!result.ok && info.user !== undefined && result.current.user === info.user) {
    const replaced = result.current.id;
    result.current.kick('replaced by a new session of the same user');
    result = ctx.hub.publish(path, info);
    if (result.ok) return { ok: true, publication: result.publication, replaced };
  }
  return result;
}
