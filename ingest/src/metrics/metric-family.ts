import { escapeHelp } from './prometheus-text.js';

/** Label values keyed by label name. */
export type Labels<L extends string> = Readonly<Record<L, string>>;

/** Definition shared by every metric type. */
export interface MetricOptions<L extends string> {
  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`; counters should end in `_total`. */
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
  /** Most label combinations kept; further ones are ignored and counted in `droppedSeries`. */
  readonly maxSeries?: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const DEFAULT_MAX_SERIES = 10_000;

/**
 * The common part of counters, gauges and histograms: name and label validation, one series per
 * label-value combination (bounded, since label values such as stream names come from peers), and
 * the `# HELP` / `# TYPE` header.
 */
export abstract class MetricFamily<L extends string, S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  private readonly maxSeries: number;
  protected readonly series = new Map<string, { values: string[]; state: S }>();
  private dropped = 0;

  protected constructor(
    options: MetricOptions<L>,
    readonly type: 'counter' | 'gauge' | 'histogram',
    reservedLabels: readonly string[] = [],
  ) {
    if (!METRIC_NAME.test(options.name)) throw new TypeError(`Bad metric name ${options.name}`);
    const labelNames = options.labelNames ?? [];
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith('__') || reservedLabels.includes(l)) {
        throw new TypeError(`Bad label name ${l} on ${options.name}`);
      }
    }
    if (new Set(labelNames).size !== labelNames.length) throw new TypeError(`Duplicate label on ${options.name}`);
    this.name = options.name;
    this.help = options.help;
    this.labelNames = labelNames;
    this.maxSeries = options.maxSeries ?? DEFAULT_MAX_SERIES;
  }

  /** Label combinations refused because the family was at maxSeries. */
  get droppedSeries(): number {
    return this.dropped;
  }

  /** Forgets every series (e.g. per-stream gauges rebuilt at each scrape). */
  reset(): void {
    this.series.clear();
  }

  /** Removes one series (a stream that ended). */
  remove(labels: Labels<L>): void {
    this.series.delete(this.key(this.values(labels)));
  }

  /** The state of the series for `labels` without creating it. */
  protected peek(labels: Labels<L> | undefined): S | undefined {
    return this.series.get(this.key(this.values(labels ?? ({} as Labels<L>))))?.state;
  }

  /** The state of the series for `labels`, created on first use; undefined past maxSeries. */
  protected state(labels: Labels<L> | undefined): S | undefined {
    const values = this.values(labels ?? ({} as Labels<L>));
    const key = this.key(values);
    let entry = this.series.get(key);
    if (entry === undefined) {
      if (this.series.size >= this.maxSeries) {
        this.dropped++;
        return undefined;
      }
      entry = { values, state: this.initial() };
      this.series.set(key, entry);
    }
    return entry.state;
  }

  /** `# HELP` and `# TYPE` lines followed by the samples. */
  render(): string {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    // A family without labels has its one series from the start: a scraper sees 0, not absence.
    if (this.labelNames.length === 0 && this.series.size === 0) this.renderSeries([], this.initial(), lines);
    for (const { values, state } of this.series.values()) this.renderSeries(values, state, lines);
    return lines.join('\n') + '\n';
  }

  /** Every series' labels and state, for summaries other than the text format (EMF). */
  protected *entries(): IterableIterator<{ labels: Labels<L>; state: S }> {
    for (const { values, state } of this.series.values()) {
      yield { labels: Object.fromEntries(this.labelNames.map((n, i) => [n, values[i]])) as Labels<L>, state };
    }
  }

  /** The state of a new series. */
  protected abstract initial(): S;

  protected abstract renderSeries(values: readonly string[], state: S, lines: string[]): void;

  private values(labels: Labels<L>): string[] {
    const given = Object.keys(labels);
    if (given.length !== this.labelNames.length) {
      throw new TypeError(`${this.name} takes labels [${this.labelNames.join(', ')}], got [${given.join(', ')}]`);
    }
    return this.labelNames.map((n) => {
      const v = labels[n];
      if (typeof v !== 'string') throw new TypeError(`${this.name}: label ${n} missing`);
      return v;
    });
  }

  private key(values: readonly string[]): string {
    return JSON.stringify(values);
  }
}
