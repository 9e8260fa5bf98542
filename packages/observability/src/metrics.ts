import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

export interface MetricsOptions {
  /** Prepended to the default Node.js process metric names (prom-client's option). Rivulet's own metrics keep fixed names. */
  prefix?: string;
  /** Labels on every series of this registry, e.g. `{ service: 'embedding' }`. */
  defaultLabels?: Record<string, string>;
  /** Collect CPU, memory, event-loop and GC metrics. Default true. */
  collectDefaultMetrics?: boolean;
}

export interface MetricConfig<Label extends string> {
  /** snake_case; counters end in `_total`, durations in `_seconds`. */
  name: string;
  help: string;
  labelNames?: readonly Label[];
}

/**
 * One process's metrics: a prom-client Registry of its own (never the global one, so
 * tests and several instances in one process stay apart) plus get-or-create helpers.
 */
export interface Metrics {
  readonly registry: Registry;
  /** Content-Type of `render()` output (Prometheus text format 0.0.4). */
  readonly contentType: string;
  counter<Label extends string>(config: MetricConfig<Label>): Counter<Label>;
  gauge<Label extends string>(config: MetricConfig<Label>): Gauge<Label>;
  histogram<Label extends string>(config: MetricConfig<Label> & { buckets?: readonly number[] }): Histogram<Label>;
  /** The whole registry in Prometheus text format. */
  render(): Promise<string>;
}

export const createMetrics = ({ prefix = '', defaultLabels, collectDefaultMetrics: collectDefaults = true }: MetricsOptions = {}): Metrics => {
  const registry = new Registry();
  if (defaultLabels) registry.setDefaultLabels(defaultLabels);
  if (collectDefaults) collectDefaultMetrics({ register: registry, prefix });

  // Two components asking for the same metric share it; the same name with another type is a bug.
  const getOrCreate = <Kind extends Metric>(name: string, kind: abstract new (...args: never[]) => Kind, create: () => Kind): Kind => {
    const existing = registry.getSingleMetric(name);
    if (existing === undefined) return create();
    if (existing instanceof kind) return existing;
    throw new TypeError(`metric ${name} is already registered with another type`);
  };

  return {
    registry,
    contentType: registry.contentType,
    counter: ({ name, help, labelNames = [] }) =>
      getOrCreate(name, Counter, () => new Counter({ name, help, labelNames, registers: [registry] })),
    gauge: ({ name, help, labelNames = [] }) =>
      getOrCreate(name, Gauge, () => new Gauge({ name, help, labelNames, registers: [registry] })),
    histogram: ({ name, help, labelNames = [], buckets }) =>
      getOrCreate(name, Histogram, () => new Histogram({
        name, help, labelNames, registers: [registry], ...(buckets ? { buckets: [...buckets] } : {}),
      })),
    render: () => registry.metrics(),
  };
};
