/**
 * What the sidecars themselves cost: CPU per 1,000 requests (equal to µs per request, for all
 * of a variant's proxies together) and their peak resident memory, per load level and tier.
 * The baseline has no proxies, so it has no bars here.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { CellSummary } from '../../analysis/cell-summary.js';
import { categoryAxis, chartConfig, loadLevel, round, unique, variantColor, variantStyle } from './style.js';

export const proxyMeasures = ['proxy CPU ms per 1k requests', 'proxy RSS MB'] as const;

export interface ProxyCostBar {
  tier: string;
  level: string;
  levelShort: string;
  levelUnit: string;
  levelOrder: number;
  variant: string;
  measure: (typeof proxyMeasures)[number];
  value: number;
}

export function proxyCostBars(cells: readonly CellSummary[]): ProxyCostBar[] {
  return cells.flatMap((c) => {
    const level = loadLevel(c);
    const base = { tier: c.tier, level: level.label, levelShort: level.short, levelUnit: level.unit, levelOrder: level.order, variant: c.variant };
    const bars: ProxyCostBar[] = [];
    if (c.proxyCpuMsPer1kRequestsMedian !== null) bars.push({ ...base, measure: proxyMeasures[0], value: round(c.proxyCpuMsPer1kRequestsMedian, 2) });
    if (c.proxyRssPeakBytesMedian !== null) bars.push({ ...base, measure: proxyMeasures[1], value: round(c.proxyRssPeakBytesMedian / 1024 / 1024, 2) });
    return bars;
  });
}

export function proxyCostSpec(cells: readonly CellSummary[]): TopLevelSpec {
  const bars = proxyCostBars(cells);
  const style = variantStyle(cells);
  const drawn = style.order.filter((v) => bars.some((b) => b.variant === v));
  const levels = unique(bars.map((b) => b.levelShort));
  // One faceted row per measure rather than one facet grid: tiers then share a y scale within a
  // measure, so a taller bar on one tier means what it looks like.
  const row = (measure: ProxyCostBar['measure']) => ({
    transform: [{ filter: { field: 'measure', equal: measure } }],
    facet: { column: { field: 'tier', type: 'nominal' as const, title: null, header: { labelExpr: "'tier ' + datum.value" }, sort: style.tiers } },
    spec: {
      width: { step: 26 },
      height: 130,
      mark: { type: 'bar' as const },
      encoding: {
        x: {
          field: 'levelShort',
          type: 'nominal' as const,
          title: bars[0]?.levelUnit ?? null,
          sort: { field: 'levelOrder', op: 'min' as const, order: 'ascending' as const },
          axis: categoryAxis(levels, 26 * drawn.length),
        },
        xOffset: { field: 'variant', type: 'nominal' as const, sort: drawn },
        y: { field: 'value', type: 'quantitative' as const, title: measure },
        color: variantColor(style, drawn),
        tooltip: [{ field: 'variant' }, { field: 'level' }, { field: 'measure' }, { field: 'value' }],
      },
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Proxy cost', subtitle: 'all sidecars of a variant together; median over the trials of each cell' },
    config: chartConfig,
    data: { values: bars.map((b) => ({ ...b })) },
    vconcat: [row(proxyMeasures[0]), row(proxyMeasures[1])],
  };
}
