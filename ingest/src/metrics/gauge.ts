import type { Labels, MetricOptions } from './metric-family.js';
import { ValueMetric } from './value-metric.js';

/** A value that goes up and down per label combination (Prometheus `gauge`). */
export class Gauge<L extends string = never> extends ValueMetric<L> {
  constructor(options: MetricOptions<L>) {
    super(options, 'gauge');
  }

  set(labels: Labels<L> | undefined, value: number): void {
    const s = this.state(labels);
    if (s) s.value = value;
  }

  inc(labels?: Labels<L>, by = 1): void {
    this.add(labels, by);
  }

  dec(labels?: Labels<L>, by = 1): void {
    this.add(labels, -by);
  }
}
