import type { Labels, MetricOptions } from './metric-family.js';
import { ValueMetric } from './value-metric.js';

/** A monotonically increasing count per label combination (Prometheus `counter`). */
export class Counter<L extends string = never> extends ValueMetric<L> {
  constructor(options: MetricOptions<L>) {
    super(options, 'counter');
  }

  /** Adds `by` (default 1, must be ≥ 0) to the series for `labels`. */
  inc(labels?: Labels<L>, by = 1): void {
    if (!(by >= 0)) throw new TypeError(`${this.name}: counters only go up (got ${by})`);
    this.add(labels, by);
  }
}
