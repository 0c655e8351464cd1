import type { IngestContext } from './ingest-context.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How long a closing RTMP player gets to receive its last onStatus before its socket goes. */
const LAST_WORDS_MS = 300;

/** True while a connection publishes or plays. */
function hasMedia(ctx: IngestContext): boolean {
  return ctx.registry.list().some((e) => e.role === 'publisher' || e.role === 'player');
}

/**
 * The graceful stop (SIGTERM, admin `shutdown`): `state.draining` turns /healthz to 503 so load
 * balancers stop sending viewers, `stopAccepting` closes the media listeners, publishers and
 * players may finish for up to `seconds`, then the rest is closed in order: publishers first, so
 * RTMP players get NetStream.Play.UnpublishNotify and HTTP-FLV bodies end cleanly, then after a
 * moment for those last bytes every reader and connection. Resolves when done.
 */
export async function drainIngest(ctx: IngestContext, stopAccepting: () => Promise<void>, seconds: number): Promise<void> {
  ctx.state.draining = true;
  const started = Date.now();
  ctx.log.info('ingest.draining', { seconds, connections: ctx.registry.size });
  await stopAccepting();
  const deadline = started + seconds * 1000;
  while (Date.now() < deadline && hasMedia(ctx)) await sleep(Math.min(200, Math.max(1, deadline - Date.now())));
  const publishers = ctx.registry.list().filter((e) => e.role === 'publisher');
  for (const e of publishers) e.kick('shutdown');
  if (publishers.length > 0) await sleep(LAST_WORDS_MS);
  ctx.hub.endAllReaders();
  for (const e of ctx.registry.list()) e.kick('shutdown');
  ctx.log.info('ingest.drained', { ms: Date.now() - started, publishersClosed: publishers.length });
}
