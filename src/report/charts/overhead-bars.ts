/**
 * What the mesh adds to the median and to the tail: Δp50 and Δp99 of each variant over the
 * baseline of the same tier and level, with its exact interval as an error bar. Below the
 * verdict's minimum number of pairs there is no honest interval, so no bar is drawn for it.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { CellSummary } from '../../analysis/cell-summary.js';
import { categoryAxis, chartConfig, loadLevel, round, unique, variantStyle } from './style.js';

export interface OverheadBar {
  tier: string;
  level: string;
  levelOrder: number;
  variant: string;
  metric: 'Δp50' | 'Δp99';
  deltaMs: number;
  /** Null when there are too few paired repetitions for an interval. */
  lowMs: number | null;
  highMs: number | null;
  relativePct: number | null;
  pairs: number;
}

const metrics = [
  ['Δp50', 'latencyP50Ms'],
  ['Δp99', 'latencyP99Ms'],
] as const;

export function overheadBars(cells: readonly CellSummary[]): OverheadBar[] {
  const bars: OverheadBar[] = [];
  for (const cell of cells) {
    if (cell.isBaseline) continue;
    const level = loadLevel(cell);
    for (const [metric, field] of metrics) {
      const o = cell.overhead[field];
      if (!o) continue;
      // A bar has no place for its confidence, so it shows only intervals that reach the level asked for.
      const withInterval = o.reachesRequested;
      bars.push({
        tier: cell.tier,
        level: level.label,
        levelOrder: level.order,
        variant: cell.variant,
        metric,
        deltaMs: round(o.deltaMedian),
        lowMs: withInterval ? round(o.deltaLow) : null,
        highMs: withInterval ? round(o.deltaHigh) : null,
        relativePct: o.relativePct === null ? null : round(o.relativePct, 1),
        pairs: o.pairs,
      });
    }
  }
  return bars;
}

export function overheadBarsSpec(cells: readonly CellSummary[]): TopLevelSpec {
  const bars = overheadBars(cells);
  const variants = variantStyle(cells).order.filter((v) => bars.some((b) => b.variant === v));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Latency overhead over the baseline',
      subtitle: ['median of per-repetition differences (variant − baseline)', 'error bars: exact interval of the median, where it reaches 95% (6 repetitions or more)'],
    },
    config: chartConfig,
    data: { values: bars.map((b) => ({ ...b })) },
    facet: {
      column: { field: 'tier', type: 'nominal', title: null, header: { labelExpr: "'tier ' + datum.value" }, sort: unique(bars.map((b) => b.tier)) },
      row: { field: 'level', type: 'nominal', title: null, sort: { field: 'levelOrder', op: 'min', order: 'ascending' } },
    },
    spec: {
      width: { step: 36 },
      height: 180,
      encoding: {
        x: { field: 'variant', type: 'nominal', title: null, sort: variants, axis: categoryAxis(variants, 72) },
        xOffset: { field: 'metric', type: 'nominal', sort: ['Δp50', 'Δp99'] },
      },
      layer: [
        {
          mark: { type: 'bar' },
          encoding: {
            y: { field: 'deltaMs', type: 'quantitative', title: 'added latency (ms)' },
            color: { field: 'metric', type: 'nominal', title: null, scale: { domain: ['Δp50', 'Δp99'], range: ['#9ecae9', '#4c78a8'] } },
            tooltip: [
              { field: 'variant' },
              { field: 'metric' },
              { field: 'deltaMs', title: 'Δ (ms)' },
              { field: 'lowMs', title: 'low (ms)' },
              { field: 'highMs', title: 'high (ms)' },
              { field: 'relativePct', title: 'Δ %' },
              { field: 'pairs' },
            ],
          },
        },
        {
          transform: [{ filter: 'isValid(datum.lowMs)' }],
          mark: { type: 'rule', color: '#222', strokeWidth: 1.2 },
          encoding: { y: { field: 'lowMs', type: 'quantitative' }, y2: { field: 'highMs' } },
        },
        {
          transform: [{ filter: 'isValid(datum.lowMs)' }, { fold: ['lowMs', 'highMs'], as: ['end', 'endMs'] }],
          mark: { type: 'tick', color: '#222', thickness: 1.2, size: 8, orient: 'horizontal' },
          encoding: { y: { field: 'endMs', type: 'quantitative' } },
        },
      ],
    },
  };
}
