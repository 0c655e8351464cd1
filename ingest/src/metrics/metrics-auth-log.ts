import type { Logger, LogFields } from '#domain/logger.js';
import type { IngestMetrics } from './ingest-metrics.js';

const SERVICE_FAILURES = new Set(['service_unavailable', 'timeout']);

function observe(metrics: IngestMetrics, fields: LogFields | undefined): void {
  if (fields === undefined) return;
  const action = typeof fields.action === 'string' ? fields.action : 'unknown';
  const reason = typeof fields.reason === 'string' ? fields.reason : '';
  const result = fields.allowed === true ? 'allowed' : SERVICE_FAILURES.has(reason) ? 'error' : 'denied';
  metrics.authDecisions.inc({ action, result });
  // Cached answers made no round trip: only real calls go into the latency histogram.
  if (fields.cached !== true && typeof fields.latencyMs === 'number') {
    metrics.authSeconds.observe({ action }, fields.latencyMs / 1000);
  }
}

/**
 * A logger that forwards everything to `log` and counts each `auth` event (what
 * createAccessControl logs per decision) into `streamgate_auth_decisions_total` and
 * `streamgate_auth_seconds`. The metrics hook lives at the edge, so ingest/src/auth stays free of
 * metrics.
 */
export function withAuthMetrics(log: Logger, metrics: IngestMetrics): Logger {
  const tap =
    (write: (event: string, fields?: LogFields) => void) =>
    (event: string, fields?: LogFields): void => {
      if (event === 'auth') observe(metrics, fields);
      write(event, fields);
    };
  return {
    debug: tap((e, f) => log.debug(e, f)),
    info: tap((e, f) => log.info(e, f)),
    warn: tap((e, f) => log.warn(e, f)),
    error: tap((e, f) => log.error(e, f)),
    child: (fields) => withAuthMetrics(log.child(fields), metrics),
  };
}
