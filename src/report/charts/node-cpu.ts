/**
 * Where the node's CPU went while each variant ran: user, system, softirq (network stack),
 * iowait and steal, stacked, in percent of all CPUs, averaged over the cell's trials. A mesh
 * shows up as more system and softirq time; a noisy host as steal.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { CellSummary } from '../../analysis/cell-summary.js';
import { categoryAxis, chartConfig, loadLevel, round, unique, variantStyle } from './style.js';

export const cpuComponents = [
  { key: 'userPct', label: 'user', color: '#4c78a8' },
  { key: 'systemPct', label: 'system', color: '#f58518' },
  { key: 'softirqPct', label: 'softirq', color: '#eeca3b' },
  { key: 'iowaitPct', label: 'iowait', color: '#72b7b2' },
  { key: 'stealPct', label: 'steal', color: '#e45756' },
] as const;

export interface NodeCpuSlice {
  tier: string;
  level: string;
  levelOrder: number;
  variant: string;
  component: (typeof cpuComponents)[number]['label'];
  componentOrder: number;
  pct: number;
}

export function nodeCpuSlices(cells: readonly CellSummary[]): NodeCpuSlice[] {
  return cells.flatMap((c) => {
    const level = loadLevel(c);
    return cpuComponents.map((component, i) => ({
      tier: c.tier,
      level: level.label,
      levelOrder: level.order,
      variant: c.variant,
      component: component.label,
      componentOrder: i,
      pct: round(c.node[component.key], 2),
    }));
  });
}

export function nodeCpuSpec(cells: readonly CellSummary[]): TopLevelSpec {
  const slices = nodeCpuSlices(cells);
  const variants = variantStyle(cells).order;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Node CPU by kind', subtitle: 'percent of all CPUs, mean over the trials of each cell' },
    config: chartConfig,
    data: { values: slices.map((s) => ({ ...s })) },
    facet: {
      column: { field: 'tier', type: 'nominal', title: null, header: { labelExpr: "'tier ' + datum.value" }, sort: unique(slices.map((s) => s.tier)) },
      row: { field: 'level', type: 'nominal', title: null, sort: { field: 'levelOrder', op: 'min', order: 'ascending' } },
    },
    spec: {
      width: { step: 48 },
      height: 180,
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'variant', type: 'nominal', title: null, sort: variants, axis: categoryAxis(variants, 48) },
        y: { field: 'pct', type: 'quantitative', stack: 'zero', title: '% of all CPUs', scale: { domain: [0, 100] } },
        color: {
          field: 'component',
          type: 'nominal',
          title: null,
          scale: { domain: cpuComponents.map((c) => c.label), range: cpuComponents.map((c) => c.color) },
        },
        order: { field: 'componentOrder', type: 'quantitative' },
        tooltip: [{ field: 'variant' }, { field: 'component' }, { field: 'pct', title: '% of all CPUs' }],
      },
    },
  };
}
