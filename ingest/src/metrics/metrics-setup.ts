import { createIngestMetrics, type IngestMetrics } from './ingest-metrics.js';
import { MetricsRegistry } from './metrics-registry.js';

/** The ingest's Prometheus registry together with its metric set. */
export interface MetricsSetup {
  readonly registry: MetricsRegistry;
  readonly ingest: IngestMetrics;
}

/**
 * Creates the registry `GET /metrics` renders and the ingest's metrics in it. The entry points
 * (main.ts, the local stack) create it before the access control, so auth decisions can be counted
 * (see withAuthMetrics), and hand it to `startIngest`.
 */
export function createMetricsSetup(): MetricsSetup {
  const registry = new MetricsRegistry();
  return { registry, ingest: createIngestMetrics(registry) };
}
