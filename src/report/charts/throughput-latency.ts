/**
 * The "hockey stick": achieved throughput against latency, one line per variant through its
 * load levels. Where the sidecar's cost shows up as lost capacity, its line bends up earlier.
 * Capacity at the SLO is drawn where a capacity search measured it.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { LayerSpec } from 'vega-lite/types_unstable/spec/index.js';
import type { CellSummary } from '../../analysis/cell-summary.js';
import type { TrialRecord } from '../../results/schema.js';
import { chartConfig, latencyLogAxis, loadLevel, logTicks, round, unique, variantColor, variantStyle } from './style.js';

/** The highest rate a variant sustained within its SLO, as a capacity search reports it. */
export interface CapacityMarker {
  tier: string;
  variant: string;
  capacityRps: number;
  /** The p99 target the capacity was searched against, drawn as a horizontal line. */
  sloP99Ms?: number;
}

export interface ThroughputLatencyPoint {
  kind: 'cell';
  tier: string;
  level: string;
  levelOrder: number;
  variant: string;
  percentile: 'p50' | 'p99';
  achievedRps: number;
  latencyMs: number;
}

export function throughputLatencyPoints(cells: readonly CellSummary[]): ThroughputLatencyPoint[] {
  return cells.flatMap((c) => {
    if (!c.pooled) return [];
    const level = loadLevel(c);
    const base = { kind: 'cell' as const, tier: c.tier, level: level.label, levelOrder: level.order, variant: c.variant, achievedRps: round(c.achievedRpsMean, 1) };
    return [
      { ...base, percentile: 'p50' as const, latencyMs: round(c.pooled.latencyP50Ms) },
      { ...base, percentile: 'p99' as const, latencyMs: round(c.pooled.latencyP99Ms) },
    ];
  });
}

/** One step of a capacity search: the rate it achieved and the p99 it got there. */
export interface CapacityStepPoint {
  kind: 'step';
  tier: string;
  variant: string;
  achievedRps: number;
  latencyMs: number;
  metSlo: boolean;
}

export function capacityStepPoints(trials: readonly TrialRecord[]): CapacityStepPoint[] {
  return trials
    .filter((t) => t.capacityStep && t.requestsTotal > 0)
    .map((t) => ({ kind: 'step' as const, tier: t.tier, variant: t.variant, achievedRps: round(t.achievedRps, 1), latencyMs: round(t.latencyP99Ms), metSlo: t.capacityStep!.metSlo }));
}

export function throughputLatencySpec(cells: readonly CellSummary[], capacity: readonly CapacityMarker[] = [], steps: readonly CapacityStepPoint[] = []): TopLevelSpec {
  const points = throughputLatencyPoints(cells);
  const style = variantStyle([...cells, ...steps.map((s) => ({ ...s, isBaseline: false }))]);
  const markers = capacity.map((m) => ({ kind: 'capacity', ...m }));
  const yTicks = logTicks([...points.map((p) => p.latencyMs), ...steps.map((p) => p.latencyMs), ...capacity.flatMap((m) => (m.sloP99Ms === undefined ? [] : [m.sloP99Ms]))]);
  const layers: LayerSpec<string>['layer'] = [
    {
      transform: [{ filter: "datum.kind == 'cell'" }],
      mark: { type: 'line', point: { size: 40 }, strokeWidth: 1.5 },
      encoding: {
        x: { field: 'achievedRps', type: 'quantitative', title: 'achieved requests/s' },
        y: latencyLogAxis(yTicks),
        color: variantColor(style),
        strokeDash: {
          field: 'percentile',
          type: 'nominal',
          title: null,
          scale: { domain: ['p50', 'p99'], range: [[4, 3], [1, 0]] },
          // The subtitle says which dash is which; Vega draws stroke-dash legend symbols blank in SVG.
          legend: null,
        },
        detail: { field: 'variant' },
        order: { field: 'levelOrder', type: 'quantitative' },
        tooltip: [{ field: 'variant' }, { field: 'level' }, { field: 'percentile' }, { field: 'latencyMs', title: 'latency (ms)' }, { field: 'achievedRps', title: 'req/s' }],
      },
    },
  ];
  if (steps.length)
    layers.push({
      transform: [{ filter: "datum.kind == 'step'" }],
      mark: { type: 'point', filled: false, size: 36, strokeWidth: 1.2 },
      encoding: {
        x: { field: 'achievedRps', type: 'quantitative' },
        y: { field: 'latencyMs', type: 'quantitative' },
        color: variantColor(style),
        shape: { field: 'metSlo', type: 'nominal', title: 'search step', scale: { domain: [true, false], range: ['circle', 'cross'] }, legend: { labelExpr: "datum.value ? 'met the SLO' : 'missed it'" } },
        tooltip: [{ field: 'variant' }, { field: 'achievedRps', title: 'req/s' }, { field: 'latencyMs', title: 'p99 (ms)' }, { field: 'metSlo', title: 'met SLO' }],
      },
    });
  if (markers.length) {
    layers.push({
      transform: [{ filter: "datum.kind == 'capacity'" }],
      mark: { type: 'rule', strokeDash: [2, 2], strokeWidth: 1.5 },
      encoding: { x: { field: 'capacityRps', type: 'quantitative' }, color: variantColor(style) },
    });
    if (markers.some((m) => m.sloP99Ms !== undefined))
      layers.push({
        transform: [{ filter: "datum.kind == 'capacity' && isValid(datum.sloP99Ms)" }],
        mark: { type: 'rule', color: '#b00', strokeDash: [6, 3] },
        encoding: { y: { field: 'sloP99Ms', type: 'quantitative' } },
      });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Throughput against latency across load levels',
      subtitle: `solid: p99, dashed: p50; one point per load level${steps.length ? '; open marks: p99 of capacity-search steps' : ''}${markers.length ? '; dotted verticals: capacity at the SLO' : ''}`,
    },
    config: chartConfig,
    data: { values: [...points.map((p) => ({ ...p })), ...steps.map((p) => ({ ...p })), ...markers] },
    facet: { column: { field: 'tier', type: 'nominal', title: null, header: { labelExpr: "'tier ' + datum.value" }, sort: unique([...style.tiers, ...markers.map((m) => m.tier)]) } },
    spec: { width: 360, height: 240, layer: layers },
  };
}
