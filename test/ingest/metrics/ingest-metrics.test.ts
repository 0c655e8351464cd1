import { describe, expect, it } from 'vitest';
import { createIngestMetrics } from '#ingest/metrics/ingest-metrics.js';
import { MetricsRegistry } from '#ingest/metrics/metrics-registry.js';
import { parsePrometheus } from './parse-prometheus.js';

describe('createIngestMetrics', () => {
  it('exposes every documented metric and its counters move', () => {
    const registry = new MetricsRegistry();
    const m = createIngestMetrics(registry);
    const before = parsePrometheus(registry.render());
    expect([...before.keys()]).toEqual([
      'streamgate_connections_total',
      'streamgate_connections',
      'streamgate_live_streams',
      'streamgate_players',
      'streamgate_received_bytes_total',
      'streamgate_sent_bytes_total',
      'streamgate_frames_dropped_total',
      'streamgate_slow_readers_disconnected_total',
      'streamgate_auth_decisions_total',
      'streamgate_auth_seconds',
      'streamgate_protocol_errors_total',
    ]);
    m.connectionsTotal.inc({ protocol: 'rtmp' });
    m.bytesReceived.inc({ protocol: 'rtmp' }, 1500);
    m.authDecisions.inc({ action: 'publish', result: 'denied' });
    m.authSeconds.observe({ action: 'publish' }, 0.03);
    m.protocolErrors.inc({ protocol: 'http', code: 'HTTP_PATH_TRAVERSAL' });
    registry.onCollect(() => m.liveStreams.set(undefined, 2));
    const after = parsePrometheus(registry.render());
    const value = (family: string, name = family, labels: Record<string, string> = {}) =>
      after.get(family)!.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(value('streamgate_connections_total', undefined, { protocol: 'rtmp' })).toBe(1);
    expect(value('streamgate_received_bytes_total', undefined, { protocol: 'rtmp' })).toBe(1500);
    expect(value('streamgate_auth_decisions_total', undefined, { action: 'publish', result: 'denied' })).toBe(1);
    expect(value('streamgate_auth_seconds', 'streamgate_auth_seconds_bucket', { action: 'publish', le: '0.05' })).toBe(1);
    expect(value('streamgate_auth_seconds', 'streamgate_auth_seconds_count', { action: 'publish' })).toBe(1);
    expect(value('streamgate_live_streams')).toBe(2);
    expect(value('streamgate_protocol_errors_total', undefined, { code: 'HTTP_PATH_TRAVERSAL' })).toBe(1);
  });
});
