/**
 * What every meshbench chart shares: fonts, sizes, the variant colours and how a load level
 * is labelled. Keeping them here makes the charts of one report (and of a comparison) read
 * alike: a variant has the same colour in every chart, and the baseline is always grey.
 */
import type { Config } from 'vega-lite';
import type { CellSummary } from '../../analysis/cell-summary.js';
import { levelLabel, levelOf, levelShort } from '../../analysis/load-level.js';
import type { TrialRecord } from '../../results/schema.js';

/**
 * DejaVu Sans first: the PNG renderer is given exactly that font (images.ts), and browsers that
 * lack it fall back to a similar sans-serif, so SVG and PNG lay out alike.
 */
export const chartFont = 'DejaVu Sans, Verdana, Arial, sans-serif';

export const chartConfig: Config = {
  font: chartFont,
  background: 'white',
  padding: 8,
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal', gridColor: '#eee' },
  header: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', labelFontWeight: 'bold' },
  legend: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal', orient: 'bottom', direction: 'horizontal' },
  title: { fontSize: 14, anchor: 'start', subtitleFontSize: 11, subtitleColor: '#555' },
};

export const baselineColor = '#8c8c8c';
/** Tableau 10 without its grey, which is the baseline's. */
const variantPalette = ['#4c78a8', '#f58518', '#e45756', '#54a24b', '#b279a2', '#72b7b2', '#eeca3b', '#ff9da6', '#9d755d'];

/** Baseline first, then the other variants in the order the cells list them. */
export function variantOrder(cells: readonly Pick<CellSummary, 'variant' | 'isBaseline'>[]): string[] {
  const baselines = unique(cells.filter((c) => c.isBaseline).map((c) => c.variant));
  return [...baselines, ...unique(cells.filter((c) => !c.isBaseline).map((c) => c.variant)).filter((v) => !baselines.includes(v))];
}

/** A colour scale that keeps each variant's colour fixed, whichever chart it is in. */
export function variantColorScale(variants: readonly string[], baselineVariants: readonly string[]): { domain: string[]; range: string[] } {
  let next = 0;
  const range = variants.map((v) => (baselineVariants.includes(v) ? baselineColor : variantPalette[next++ % variantPalette.length]));
  return { domain: [...variants], range };
}

export interface LoadLevel {
  /** For headers and legends: "16 connections". */
  label: string;
  /** For axis ticks under a title that names the unit: "16". */
  short: string;
  /** That axis title: "connections". */
  unit: string;
  /** For sorting levels from light to heavy. */
  order: number;
}

/** The one place that says how a cell's load level is named, so every chart labels it alike. */
export function loadLevel(cell: Pick<CellSummary, 'loadMode' | 'level'>): LoadLevel {
  const open = cell.loadMode === 'open';
  return {
    label: levelLabel(cell.loadMode, cell.level),
    short: levelShort(cell.loadMode, cell.level),
    unit: open ? 'requested rate' : 'connections',
    // Closed-loop levels first, then open-loop rates, each from light to heavy.
    order: (open ? 1e12 : 0) + cell.level,
  };
}

/** A trial's level, named as its cell's. */
export function trialLevel(trial: Pick<TrialRecord, 'loadMode' | 'connections' | 'requestedRps'>): LoadLevel {
  return loadLevel({ loadMode: trial.loadMode, level: levelOf(trial) });
}

export function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** Rounds for chart data: enough digits to plot, few enough that golden files stay readable. */
export function round(value: number, digits = 4): number {
  return Number(value.toFixed(digits));
}

/** Which variants a chart shows, in order, which of them are baselines (grey), and the tiers in order. */
export interface VariantStyle {
  order: string[];
  baselines: string[];
  /** As the cells list them: a comparison keeps its folders' order. */
  tiers: string[];
}

export function variantStyle(cells: readonly Pick<CellSummary, 'variant' | 'isBaseline' | 'tier'>[]): VariantStyle {
  return { order: variantOrder(cells), baselines: unique(cells.filter((c) => c.isBaseline).map((c) => c.variant)), tiers: unique(cells.map((c) => c.tier)) };
}

/** Colour by variant; `only` limits the legend to the variants a chart draws, keeping each one's colour. */
export function variantColor(
  style: VariantStyle,
  only?: readonly string[],
): { field: 'variant'; type: 'nominal'; title: string; scale: { domain: string[]; range: string[] }; sort: string[] } {
  const full = variantColorScale(style.order, style.baselines);
  const keep = full.domain.map((v) => !only || only.includes(v));
  const domain = full.domain.filter((_, i) => keep[i]);
  return { field: 'variant', type: 'nominal', title: 'variant', scale: { domain, range: full.range.filter((_, i) => keep[i]) }, sort: domain };
}

/** Latency in ms on a log scale with the given ticks, the first and last of which bound it. */
export function latencyLogAxis(yTicks: readonly number[]): {
  field: 'latencyMs';
  type: 'quantitative';
  title: string;
  scale: { type: 'log'; domain: number[]; nice: false };
  axis: { values: number[]; format: string };
} {
  return {
    field: 'latencyMs',
    type: 'quantitative',
    title: 'latency (ms)',
    scale: { type: 'log', domain: [yTicks[0]!, yTicks[yTicks.length - 1]!], nice: false },
    axis: { values: [...yTicks], format: '~g' },
  };
}

/**
 * Category labels stay horizontal while they fit in their band (about 6.5 px per character at
 * 11 px), and turn when they would run into each other.
 */
export function categoryAxis(labels: readonly string[], bandPx: number): { labelAngle: number; labelAlign?: 'right'; labelLimit: number } {
  const widest = Math.max(0, ...labels.map((l) => l.length)) * 6.5;
  return widest <= bandPx - 4 ? { labelAngle: 0, labelLimit: 200 } : { labelAngle: -30, labelAlign: 'right', labelLimit: 200 };
}

/** 1-2-5 steps from just below the smallest to just above the largest value, for log axes. */
export function logTicks(values: readonly number[]): number[] {
  const positive = values.filter((v) => v > 0);
  if (!positive.length) return [1];
  const min = Math.min(...positive);
  const max = Math.max(...positive);
  const ticks: number[] = [];
  for (let exp = Math.floor(Math.log10(min)); exp <= Math.ceil(Math.log10(max)); exp++)
    for (const m of [1, 2, 5]) ticks.push(Number((m * 10 ** exp).toPrecision(1)));
  const lower = ticks.filter((t) => t <= min).at(-1) ?? ticks[0];
  const upper = ticks.find((t) => t >= max) ?? ticks[ticks.length - 1];
  return ticks.filter((t) => t >= lower && t <= upper);
}
