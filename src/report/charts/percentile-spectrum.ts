/**
 * Latency by percentile, as HdrHistogram plots it: the x axis is 1 / (1 − percentile) on a log
 * scale, so p90, p99, p99.9 and p99.99 are evenly spaced and the tail gets as much room as the
 * median. One line per variant; columns are tiers, rows are load levels.
 */
import type { TopLevelSpec } from 'vega-lite';
import { mergeEncodedHistograms } from '../../analysis/histograms.js';
import type { TrialRecord } from '../../results/schema.js';
import { levelOf } from '../../analysis/load-level.js';
import { chartConfig, latencyLogAxis, logTicks, round, trialLevel, unique, variantColor, type VariantStyle } from './style.js';

export const spectrumPercentiles = [0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.995, 99.999] as const;

export interface SpectrumPoint {
  tier: string;
  level: string;
  levelOrder: number;
  variant: string;
  /** 0 … 100; 100 stands for the maximum. */
  percentile: number;
  percentileLabel: string;
  /** 1 / (1 − percentile/100): the x position. For the maximum, the number of requests. */
  oneInX: number;
  latencyMs: number;
  /** Requests in the merged histogram. */
  requests: number;
}

/**
 * Percentiles of each cell's merged histogram (tier × level × variant), in ms. A percentile is
 * listed only when the cell has enough requests to resolve it (p99.99 needs 10,000), and the
 * maximum closes each line at "one in <requests>", so no line claims a tail it did not measure.
 */
export function spectrumPoints(trials: readonly TrialRecord[]): SpectrumPoint[] {
  const cells = new Map<string, TrialRecord[]>();
  for (const t of trials) {
    // Capacity-search steps are one trial per rate, not cells; the throughput chart shows them.
    if (t.requestsTotal === 0 || t.capacityStep) continue;
    const key = JSON.stringify([t.tier, t.loadMode, levelOf(t), t.variant]);
    cells.set(key, [...(cells.get(key) ?? []), t]);
  }
  const points: SpectrumPoint[] = [];
  for (const group of cells.values()) {
    const { tier, variant } = group[0];
    const level = trialLevel(group[0]);
    const histogram = mergeEncodedHistograms(group.map((t) => t.histogram.data));
    const requests = histogram.totalCount;
    if (requests === 0) continue;
    const base = { tier, level: level.label, levelOrder: level.order, variant, requests };
    for (const percentile of spectrumPercentiles) {
      // Rounded first: 1 / (1 − 0.9995) is 2000.0000000004 in floating point.
      const oneInX = round(1 / (1 - percentile / 100), 2);
      if (oneInX > requests) break;
      points.push({ ...base, percentile, percentileLabel: `p${percentile}`, oneInX, latencyMs: atLeastOneUs(histogram.getValueAtPercentile(percentile)) });
    }
    points.push({ ...base, percentile: 100, percentileLabel: 'max', oneInX: requests, latencyMs: atLeastOneUs(histogram.getValueAtPercentile(100)) });
  }
  return points.sort((a, b) => a.tier.localeCompare(b.tier) || a.levelOrder - b.levelOrder || a.variant.localeCompare(b.variant) || a.oneInX - b.oneInX);
}

/** The y axis is logarithmic, so a 0 µs bucket (sub-µs answers) is drawn at 1 µs. */
function atLeastOneUs(valueUs: number): number {
  return Math.max(valueUs, 1) / 1000;
}

export function percentileSpectrumSpec(points: readonly SpectrumPoint[], style: VariantStyle): TopLevelSpec {
  const maxOneInX = Math.max(10, ...points.map((p) => p.oneInX));
  const ticks = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000].filter((v) => v <= maxOneInX * 1.5);
  const yTicks = logTicks(points.map((p) => p.latencyMs));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Latency by percentile', subtitle: 'merged histograms of every trial in a cell; the tail to the right; log scales' },
    config: chartConfig,
    data: { values: points.map((p) => ({ ...p })) },
    facet: {
      column: { field: 'tier', type: 'nominal', title: null, header: { labelExpr: "'tier ' + datum.value" }, sort: [...style.tiers, ...unique(points.map((p) => p.tier)).filter((t) => !style.tiers.includes(t))] },
      row: { field: 'level', type: 'nominal', title: null, sort: { field: 'levelOrder', op: 'min', order: 'ascending' } },
    },
    spec: {
      width: 320,
      height: 200,
      layer: [
        {
          mark: { type: 'line', point: { size: 22 }, strokeWidth: 1.5, clip: true },
          encoding: {
            x: {
              field: 'oneInX',
              type: 'quantitative',
              title: 'percentile',
              scale: { type: 'log', domainMin: 1 },
              axis: { values: ticks, labelExpr: "datum.value == 1 ? 'p0' : 'p' + format(100 - 100 / datum.value, '.6~g')", grid: true },
            },
            y: latencyLogAxis(yTicks),
            color: variantColor(style),
            detail: { field: 'variant' },
            order: { field: 'oneInX', type: 'quantitative' },
            tooltip: [
              { field: 'variant' },
              { field: 'percentileLabel', title: 'percentile' },
              { field: 'latencyMs', title: 'latency (ms)' },
              { field: 'requests' },
            ],
          },
        },
      ],
    },
  };
}
