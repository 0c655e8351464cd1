import type { IngestMetrics } from './ingest-metrics.js';

/** CloudWatch namespace of the ingest's metrics (infra/ingest-observability.ts reads the same names). */
export const EMF_NAMESPACE = 'streamgate';
/** The one dimension every EMF metric carries: which deployment (e.g. `streamgate-prod-ingest`). */
export const EMF_DIMENSION = 'Service';

/** Metric names and units of one EMF line, in the order they are emitted. */
export const EMF_METRICS = {
  LiveStreams: 'Count',
  Players: 'Count',
  Connections: 'Count',
  BytesReceived: 'Bytes',
  BytesSent: 'Bytes',
  AuthAllowed: 'Count',
  AuthDenied: 'Count',
  AuthErrors: 'Count',
  FramesDropped: 'Count',
  EventLoopDelayP99: 'Milliseconds',
  EventLoopDelayMax: 'Milliseconds',
  /** 1 on a process's first line (written at start), 0 after: restarts show as a Sum. */
  TaskStarts: 'Count',
} as const;

/** A metric name of {@link EMF_METRICS}. */
export type EmfMetricName = keyof typeof EMF_METRICS;

/** Counter totals at the previous line: each line carries what happened since. */
export interface EmfTotals {
  readonly bytesReceived: number;
  readonly bytesSent: number;
  readonly authAllowed: number;
  readonly authDenied: number;
  readonly authErrors: number;
  readonly framesDropped: number;
}

/** Event-loop delay over the interval, milliseconds (perf_hooks' monitorEventLoopDelay). */
export interface LoopDelay {
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Reads the counter totals now. */
export function emfTotals(m: IngestMetrics): EmfTotals {
  return {
    bytesReceived: m.bytesReceived.sum(),
    bytesSent: m.bytesSent.sum(),
    authAllowed: m.authDecisions.sum({ result: 'allowed' }),
    authDenied: m.authDecisions.sum({ result: 'denied' }),
    authErrors: m.authDecisions.sum({ result: 'error' }),
    framesDropped: m.framesDropped.sum(),
  };
}

/**
 * One CloudWatch embedded-metric-format record: gauges as they are now, counters as the change
 * since `previous` (so CloudWatch's Sum over any period is the traffic of that period, across
 * tasks), under {@link EMF_NAMESPACE} with the single dimension `Service`; `first` marks a
 * process's first line (TaskStarts 1). Pure: the caller runs the registry's collectors first and
 * writes the line.
 */
export function emfSnapshot(
  m: IngestMetrics,
  previous: EmfTotals,
  loop: LoopDelay,
  service: string,
  timestampMs: number,
  first = false,
): { record: Record<string, unknown>; totals: EmfTotals } {
  const totals = emfTotals(m);
  // A counter never goes down; if it did (a reset), report the new total rather than a negative.
  const delta = (now: number, before: number): number => (now >= before ? now - before : now);
  const values: Record<EmfMetricName, number> = {
    LiveStreams: m.liveStreams.sum(),
    Players: m.players.sum(),
    Connections: m.connections.sum(),
    BytesReceived: delta(totals.bytesReceived, previous.bytesReceived),
    BytesSent: delta(totals.bytesSent, previous.bytesSent),
    AuthAllowed: delta(totals.authAllowed, previous.authAllowed),
    AuthDenied: delta(totals.authDenied, previous.authDenied),
    AuthErrors: delta(totals.authErrors, previous.authErrors),
    FramesDropped: delta(totals.framesDropped, previous.framesDropped),
    EventLoopDelayP99: round(loop.p99Ms),
    EventLoopDelayMax: round(loop.maxMs),
    TaskStarts: first ? 1 : 0,
  };
  const record = {
    _aws: {
      Timestamp: timestampMs,
      CloudWatchMetrics: [
        {
          Namespace: EMF_NAMESPACE,
          Dimensions: [[EMF_DIMENSION]],
          Metrics: Object.entries(EMF_METRICS).map(([Name, Unit]) => ({ Name, Unit })),
        },
      ],
    },
    event: 'ingest.metrics',
    [EMF_DIMENSION]: service,
    ...values,
  };
  return { record, totals };
}

function round(ms: number): number {
  return Number.isFinite(ms) ? Math.round(ms * 100) / 100 : 0;
}
