import { Counter } from './counter.js';
import { Gauge } from './gauge.js';
import { Histogram, type HistogramOptions } from './histogram.js';
import type { MetricOptions } from './metric-family.js';

type AnyFamily = Counter<string> | Gauge<string> | Histogram<string>;

/**
 * A tiny Prometheus registry: create counters, gauges and histograms once (the server passes the
 * registry, never a global), update them on the hot path, and `render()` the text exposition
 * format for `GET /metrics`. Collectors run before each render to refresh gauges that are cheaper
 * to read than to track (live streams, players).
 */
export class MetricsRegistry {
  private readonly families = new Map<string, AnyFamily>();
  private readonly collectors: (() => void)[] = [];

  counter<L extends string = never>(options: MetricOptions<L>): Counter<L> {
    return this.add(new Counter<L>(options));
  }

  gauge<L extends string = never>(options: MetricOptions<L>): Gauge<L> {
    return this.add(new Gauge<L>(options));
  }

  histogram<L extends string = never>(options: HistogramOptions<L>): Histogram<L> {
    return this.add(new Histogram<L>(options));
  }

  /** Runs `collect` before every render (it typically sets gauges). */
  onCollect(collect: () => void): void {
    this.collectors.push(collect);
  }

  /** The family registered under `name`, if any. */
  get(name: string): AnyFamily | undefined {
    return this.families.get(name);
  }

  /** Runs the collectors, so gauges they maintain are current (render does it itself). */
  collect(): void {
    for (const collect of this.collectors) collect();
  }

  /** All families in registration order, in the Prometheus text format (0.0.4). */
  render(): string {
    this.collect();
    return [...this.families.values()].map((f) => f.render()).join('');
  }

  private add<F extends AnyFamily>(family: F): F {
    const taken = new Set([...this.families.values()].flatMap(sampleNames));
    if (sampleNames(family).some((n) => taken.has(n))) {
      throw new Error(`Metric ${family.name} registered twice or clashes with a histogram's samples`);
    }
    this.families.set(family.name, family);
    return family;
  }
}

function sampleNames(f: AnyFamily): string[] {
  return f.type === 'histogram' ? [f.name, `${f.name}_bucket`, `${f.name}_sum`, `${f.name}_count`] : [f.name];
}
