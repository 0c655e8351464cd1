import { MetricFamily, type Labels, type MetricOptions } from './metric-family.js';
import { formatLabels, formatValue } from './prometheus-text.js';

/** Default buckets, in seconds: suits request and auth latencies. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Histogram definition: upper bounds of the buckets, strictly increasing, `+Inf` implied. */
export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  readonly buckets?: readonly number[];
}

interface HistogramState {
  /** Non-cumulative counts per bucket; rendered cumulatively. */
  readonly counts: number[];
  sum: number;
  count: number;
}

/**
 * Observations counted into buckets per label combination (Prometheus `histogram`): renders
 * cumulative `_bucket{le=…}` samples ending with `le="+Inf"`, then `_sum` and `_count`.
 */
export class Histogram<L extends string = never> extends MetricFamily<L, HistogramState> {
  readonly buckets: readonly number[];

  constructor(options: HistogramOptions<L>) {
    super(options, 'histogram', ['le']);
    const buckets = (options.buckets ?? DEFAULT_BUCKETS).filter((b) => b !== Infinity);
    for (let i = 0; i < buckets.length; i++) {
      if (!Number.isFinite(buckets[i]!) || (i > 0 && buckets[i]! <= buckets[i - 1]!)) {
        throw new TypeError(`${options.name}: buckets must be finite and strictly increasing`);
      }
    }
    this.buckets = buckets;
  }

  /** Records one observation (NaN is ignored: it would poison `_sum`). */
  observe(labels: Labels<L> | undefined, value: number): void {
    if (Number.isNaN(value)) return;
    const s = this.state(labels);
    if (!s) return;
    let i = this.buckets.findIndex((b) => value <= b);
    if (i === -1) i = this.buckets.length;
    s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  protected initial(): HistogramState {
    return { counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
  }

  protected renderSeries(values: readonly string[], state: HistogramState, lines: string[]): void {
    const names = [...this.labelNames, 'le'];
    let cumulative = 0;
    this.buckets.forEach((b, i) => {
      cumulative += state.counts[i]!;
      lines.push(`${this.name}_bucket${formatLabels(names, [...values, formatValue(b)])} ${cumulative}`);
    });
    lines.push(`${this.name}_bucket${formatLabels(names, [...values, '+Inf'])} ${state.count}`);
    const plain = formatLabels(this.labelNames, values);
    lines.push(`${this.name}_sum${plain} ${formatValue(state.sum)}`);
    lines.push(`${this.name}_count${plain} ${state.count}`);
  }
}
