import { describe, expect, it } from 'vitest';
import { EMF_METRICS, emfSnapshot, emfTotals } from '#ingest/metrics/emf-snapshot.js';
import { createMetricsSetup } from '#ingest/metrics/metrics-setup.js';

const loop = { p99Ms: 12.345, maxMs: 40 };

describe('emfSnapshot', () => {
  it('writes a CloudWatch EMF record: namespace, Service dimension, every metric declared with its unit', () => {
    const { ingest } = createMetricsSetup();
    const { record } = emfSnapshot(ingest, emfTotals(ingest), loop, 'streamgate-prod-ingest', 1_700_000_000_000);
    expect(record._aws).toEqual({
      Timestamp: 1_700_000_000_000,
      CloudWatchMetrics: [
        {
          Namespace: 'streamgate',
          Dimensions: [['Service']],
          Metrics: Object.entries(EMF_METRICS).map(([Name, Unit]) => ({ Name, Unit })),
        },
      ],
    });
    expect(record.Service).toBe('streamgate-prod-ingest');
    // The EMF spec requires a top-level value for each declared metric.
    for (const name of Object.keys(EMF_METRICS)) expect(typeof record[name]).toBe('number');
    expect(record.EventLoopDelayP99).toBe(12.35);
  });

  it('reports gauges as they are and counters as the change since the previous line, summed over labels', () => {
    const { ingest } = createMetricsSetup();
    ingest.players.set({ protocol: 'rtmp' }, 3);
    ingest.players.set({ protocol: 'hls' }, 2);
    ingest.liveStreams.set(undefined, 1);
    ingest.bytesSent.inc({ protocol: 'rtmp' }, 1000);
    ingest.authDecisions.inc({ action: 'publish', result: 'denied' });
    const first = emfSnapshot(ingest, emfTotals(createMetricsSetup().ingest), loop, 's', 0);
    expect(first.record).toMatchObject({ Players: 5, LiveStreams: 1, BytesSent: 1000, AuthDenied: 1, AuthAllowed: 0 });

    ingest.bytesSent.inc({ protocol: 'hls' }, 500);
    ingest.authDecisions.inc({ action: 'play', result: 'error' });
    ingest.authDecisions.inc({ action: 'connect', result: 'allowed' });
    const second = emfSnapshot(ingest, first.totals, loop, 's', 0);
    expect(second.record).toMatchObject({ Players: 5, BytesSent: 500, AuthDenied: 0, AuthErrors: 1, AuthAllowed: 1 });
  });
});
