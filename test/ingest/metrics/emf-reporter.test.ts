import { describe, expect, it } from 'vitest';
import { startEmfReporter } from '#ingest/metrics/emf-reporter.js';
import { createMetricsSetup } from '#ingest/metrics/metrics-setup.js';
import { waitFor } from '#test/support/wait.js';

describe('startEmfReporter', () => {
  it('writes an EMF JSON line at start (TaskStarts 1) and per interval after running the collectors, and a last one on stop', async () => {
    const metrics = createMetricsSetup();
    let collected = 0;
    metrics.registry.onCollect(() => metrics.ingest.liveStreams.set(undefined, ++collected));
    const lines: string[] = [];
    const stop = startEmfReporter({ metrics, intervalSeconds: 0.05, service: 'svc', write: (l) => lines.push(l) });
    await waitFor(() => lines.length >= 2, 2000, 'two lines', 10);
    stop();
    const count = lines.length;
    expect(JSON.parse(lines[0])).toMatchObject({ TaskStarts: 1 });
    expect(JSON.parse(lines[1])).toMatchObject({ TaskStarts: 0 });
    const last = JSON.parse(lines[count - 1]) as Record<string, unknown>;
    expect(last).toMatchObject({ event: 'ingest.metrics', Service: 'svc', LiveStreams: collected });
    await new Promise((r) => setTimeout(r, 120));
    expect(lines.length).toBe(count);
  });
});
