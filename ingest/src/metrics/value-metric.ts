import { MetricFamily, type Labels, type MetricOptions } from './metric-family.js';
import { formatLabels, formatValue } from './prometheus-text.js';

/** A metric family with one number per label combination: what {@link Counter} and {@link Gauge} share. */
export abstract class ValueMetric<L extends string> extends MetricFamily<L, { value: number }> {
  protected constructor(options: MetricOptions<L>, type: 'counter' | 'gauge') {
    super(options, type);
  }

  /** The current value for `labels` (0 when never set). */
  get(labels?: Labels<L>): number {
    return this.peek(labels)?.value ?? 0;
  }

  /** The sum over every series whose labels include `where` (all series when omitted). */
  sum(where: Partial<Labels<L>> = {}): number {
    let total = 0;
    for (const { labels, state } of this.entries()) {
      if (Object.entries(where).every(([k, v]) => labels[k as L] === v)) total += state.value;
    }
    return total;
  }

  /** Adds `by` to the series for `labels` (a new series starts at 0; none past the series bound). */
  protected add(labels: Labels<L> | undefined, by: number): void {
    const s = this.state(labels);
    if (s) s.value += by;
  }

  protected initial(): { value: number } {
    return { value: 0 };
  }

  protected renderSeries(values: readonly string[], state: { value: number }, lines: string[]): void {
    lines.push(`${this.name}${formatLabels(this.labelNames, values)} ${formatValue(state.value)}`);
  }
}
