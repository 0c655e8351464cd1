import { monitorEventLoopDelay } from 'node:perf_hooks';
import { emfSnapshot, emfTotals } from './emf-snapshot.js';
import type { MetricsSetup } from './metrics-setup.js';

/** Options of {@link startEmfReporter}. */
export interface EmfReporterOptions {
  readonly metrics: MetricsSetup;
  readonly intervalSeconds: number;
  /** Value of the `Service` dimension. */
  readonly service: string;
  /** Where each JSON line goes (stdout, which the awslogs driver ships to CloudWatch Logs). */
  readonly write: (line: string) => void;
}

/**
 * At start and every `intervalSeconds`, writes one embedded-metric-format line (see emfSnapshot): CloudWatch
 * Logs turns it into metrics in the `streamgate` namespace, no agent or API call needed. Returns
 * a stop function, which also writes a last line so the final interval's traffic is not lost.
 */
export function startEmfReporter(o: EmfReporterOptions): () => void {
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  let totals = emfTotals(o.metrics.ingest);
  let first = true;
  const report = (): void => {
    o.metrics.registry.collect();
    // The histogram is in nanoseconds; reset so each line covers its own interval.
    const delay = { p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6 };
    loop.reset();
    const out = emfSnapshot(o.metrics.ingest, totals, delay, o.service, Date.now(), first);
    first = false;
    totals = out.totals;
    o.write(JSON.stringify(out.record));
  };
  // A line at once: the start is counted (TaskStarts) even if the process dies before a minute.
  report();
  const timer = setInterval(report, o.intervalSeconds * 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    report();
    loop.disable();
  };
}
