/** What a compared figure is measured in and which direction is bad, so verdicts and reports agree. */
export interface MetricInfo {
  unit: string;
  /** True for latency and cost, false for throughput: decides what "regression" means. */
  higherIsWorse: boolean;
}

/** Trial-record fields that overhead is computed for (names as in src/results/schema.ts). */
export const knownMetrics = {
  latencyP50Ms: { unit: 'ms', higherIsWorse: true },
  latencyP90Ms: { unit: 'ms', higherIsWorse: true },
  latencyP99Ms: { unit: 'ms', higherIsWorse: true },
  latencyP999Ms: { unit: 'ms', higherIsWorse: true },
  latencyP9999Ms: { unit: 'ms', higherIsWorse: true },
  latencyMaxMs: { unit: 'ms', higherIsWorse: true },
  latencyMeanMs: { unit: 'ms', higherIsWorse: true },
  achievedRps: { unit: 'req/s', higherIsWorse: false },
  proxyCpuMsPer1kRequests: { unit: 'CPU ms per 1k req', higherIsWorse: true },
  proxyRssPeakBytes: { unit: 'bytes', higherIsWorse: true },
  errorRatePct: { unit: '%', higherIsWorse: true },
} as const satisfies Record<string, MetricInfo>;

export type KnownMetric = keyof typeof knownMetrics;

export function isKnownMetric(metric: string): metric is KnownMetric {
  return Object.prototype.hasOwnProperty.call(knownMetrics, metric);
}

/** Catalogue entry, with explicit values taking precedence; unknown metrics must say their unit and direction. */
export function resolveMetric(metric: string, overrides: Partial<MetricInfo> = {}): MetricInfo {
  const known = isKnownMetric(metric) ? knownMetrics[metric] : undefined;
  const unit = overrides.unit ?? known?.unit;
  const higherIsWorse = overrides.higherIsWorse ?? known?.higherIsWorse;
  if (unit === undefined || higherIsWorse === undefined) {
    throw new RangeError(`metric "${metric}" is not in the catalogue; pass its unit and higherIsWorse`);
  }
  return { unit, higherIsWorse };
}
