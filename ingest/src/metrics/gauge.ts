import { MetricFamily, type Labels, type MetricOptions } from './metric-family.js';
import { formatLabels, formatValue } from './prometheus-text.js';

/** A value that goes up and down per label combination (Prometheus `gauge`). */
export class Gauge<L extends string = never> extends MetricFamily<L, { value: number }> {
  constructor(options: MetricOptions<L>) {
    super(options, 'gauge');
  }

  set(labels: Labels<L> | undefined, value: number): void {
    const s = this.state(labels);
    if (s) s.value = value;
  }

  inc(labels?: Labels<L>, by = 1): void {
    const s = this.state(labels);
    if (s) s.value += by;
  }

  dec(labels?: Labels<L>, by = 1): void {
    this.inc(labels, -by);
  }

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

  protected initial(): { value: number } {
    return { value: 0 };
  }

  protected renderSeries(values: readonly string[], state: { value: number }, lines: string[]): void {
    lines.push(`${this.name}${formatLabels(this.labelNames, values)} ${formatValue(state.value)}`);
  }
}
