import { loadConfig } from '#ingest/config.js';
import { Hub } from '#ingest/hub/hub.js';
import { silentLogger } from '#domain/logger.js';
import { ConnectionRegistry } from '#ingest/servers/connection-registry.js';
import type { IngestContext } from '#ingest/servers/ingest-context.js';
import { PendingBytesBudget } from '#ingest/protocols/pending-bytes-budget.js';
import { AddressCounter } from '#ingest/servers/address-counter.js';
import { openAccess } from '#ingest/servers/rtmp/rtmp-access-control.js';

/** An IngestContext with default config, a small hub, open access and no listeners: for server unit tests. */
export function testContext(): IngestContext {
  return {
    config: loadConfig({}),
    hub: new Hub({
      gop: { maxBytes: 1 << 20, maxDurationMs: 10_000 },
      reader: { maxQueueBytes: 1 << 20, maxBlockedMs: 10_000 },
      waitForPublisherMs: 30_000,
    }),
    registry: new ConnectionRegistry(),
    log: silentLogger,
    access: openAccess,
    pendingBytes: new PendingBytesBudget(256 * 1024 * 1024),
    connectionsPerAddress: new AddressCounter(64),
    state: { draining: false, startedAt: Date.now() },
  };
}
