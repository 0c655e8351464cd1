import type { Counter } from './counter.js';
import type { Gauge } from './gauge.js';
import type { Histogram } from './histogram.js';
import type { MetricsRegistry } from './metrics-registry.js';

/** Protocol label values: `rtmp`, `rtmps`, `rtmpt`, `rtsp`, `flv-tcp`, `ts-tcp`, `http-flv`, `hls`, `admin`. */
export type ProtocolLabel = 'protocol';

/** The metrics `GET /metrics` exposes (connections, streams, players, bytes, drops, auth), created once and passed to the servers. */
export interface IngestMetrics {
  /** Connections accepted, by protocol. */
  readonly connectionsTotal: Counter<ProtocolLabel>;
  /** Connections open now, by protocol. */
  readonly connections: Gauge<ProtocolLabel>;
  /** Streams with a publisher (set by a collector from the hub). */
  readonly liveStreams: Gauge;
  /** Readers attached now, by protocol (set by a collector from the hub). */
  readonly players: Gauge<ProtocolLabel>;
  readonly bytesReceived: Counter<ProtocolLabel>;
  readonly bytesSent: Counter<ProtocolLabel>;
  /** Frames a slow reader skipped (dropped to the next keyframe), by the reader's protocol. */
  readonly framesDropped: Counter<ProtocolLabel>;
  /** Readers disconnected for staying behind past the deadline. */
  readonly slowReadersDisconnected: Counter<ProtocolLabel>;
  /** Auth decisions by action (`connect`, `publish`, `play`) and result (`allowed`, `denied`, `error`). */
  readonly authDecisions: Counter<'action' | 'result'>;
  /** Auth round trip to the functions, seconds, by action. */
  readonly authSeconds: Histogram<'action'>;
  /** Peers refused for bad bytes, by protocol and ProtocolError code (a bounded set). */
  readonly protocolErrors: Counter<'protocol' | 'code'>;
}

/** Registers the ingest's metrics in `registry`. */
export function createIngestMetrics(registry: MetricsRegistry): IngestMetrics {
  const byProtocol = { labelNames: ['protocol'] as const };
  return {
    connectionsTotal: registry.counter({ name: 'streamgate_connections_total', help: 'Connections accepted', ...byProtocol }),
    connections: registry.gauge({ name: 'streamgate_connections', help: 'Connections open', ...byProtocol }),
    liveStreams: registry.gauge({ name: 'streamgate_live_streams', help: 'Streams with a publisher' }),
    players: registry.gauge({ name: 'streamgate_players', help: 'Readers attached to streams', ...byProtocol }),
    bytesReceived: registry.counter({ name: 'streamgate_received_bytes_total', help: 'Bytes read from peers', ...byProtocol }),
    bytesSent: registry.counter({ name: 'streamgate_sent_bytes_total', help: 'Bytes written to peers', ...byProtocol }),
    framesDropped: registry.counter({
      name: 'streamgate_frames_dropped_total',
      help: 'Frames skipped for slow readers (dropped to the next keyframe)',
      ...byProtocol,
    }),
    slowReadersDisconnected: registry.counter({
      name: 'streamgate_slow_readers_disconnected_total',
      help: 'Readers disconnected for staying behind past the deadline',
      ...byProtocol,
    }),
    authDecisions: registry.counter({
      name: 'streamgate_auth_decisions_total',
      help: 'Auth decisions by action and result',
      labelNames: ['action', 'result'],
    }),
    authSeconds: registry.histogram({
      name: 'streamgate_auth_seconds',
      help: 'Auth round trip to the functions in seconds',
      labelNames: ['action'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
    protocolErrors: registry.counter({
      name: 'streamgate_protocol_errors_total',
      help: 'Peers refused for bad bytes, by protocol and error code',
      labelNames: ['protocol', 'code'],
      maxSeries: 1000,
    }),
  };
}
