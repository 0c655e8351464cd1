import { loadConfig } from '../../ingest/src/config.js';
import { Hub } from '../../ingest/src/hub/hub.js';
import { silentLogger } from '../../ingest/src/logger.js';
import { ConnectionRegistry } from '../../ingest/src/servers/connection-registry.js';
import type { IngestContext } from '../../ingest/src/servers/ingest-context.js';
import { PendingBytesBudget } from '../../ingest/src/protocols/pending-bytes-budget.js';
import { AddressCounter } from '../../ingest/src/servers/address-counter.js';
import { openAccess } from '../../ingest/src/servers/rtmp/rtmp-access-control.js';

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
