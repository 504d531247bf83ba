/**
 * Which charts a report shows, in which order, with the sentence that says how to read each.
 * A chart with nothing to draw (no proxies, no paired baseline) is left out rather than shown
 * empty.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { CellSummary } from '../../analysis/cell-summary.js';
import type { SampleRecord, TrialRecord } from '../../results/schema.js';
import { nodeCpuSpec } from './node-cpu.js';
import { overheadBars, overheadBarsSpec } from './overhead-bars.js';
import { percentileSpectrumSpec, spectrumPoints } from './percentile-spectrum.js';
import { proxyCostBars, proxyCostSpec } from './proxy-cost.js';
import { trialLevel, variantStyle } from './style.js';
import { capacityStepPoints, throughputLatencySpec, type CapacityMarker } from './throughput-latency.js';
import { trialTimeSeriesSpec } from './trial-timeseries.js';

export interface ChartDef {
  /** File-name safe; also the PNG's name and the HTML anchor. */
  id: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

export interface ChartGroup {
  id: string;
  title: string;
  charts: ChartDef[];
}

export interface OverviewInput {
  cells: readonly CellSummary[];
  trials: readonly TrialRecord[];
  capacity?: readonly CapacityMarker[];
}

export function overviewCharts(input: OverviewInput): ChartDef[] {
  const { cells, trials } = input;
  const charts: ChartDef[] = [];
  if (overheadBars(cells).length)
    charts.push({
      id: 'overhead',
      title: 'Latency overhead',
      caption: 'What each variant adds to p50 and p99 over the baseline of the same tier and load level. An error bar that crosses 0 means the run cannot tell the overhead from noise.',
      spec: overheadBarsSpec(cells),
    });
  const spectrum = spectrumPoints(trials);
  if (spectrum.length)
    charts.push({
      id: 'percentile-spectrum',
      title: 'Latency by percentile',
      caption: 'Each cell\'s merged latency histogram from p0 to the maximum; lines stop at the highest percentile the cell has enough requests to resolve.',
      spec: percentileSpectrumSpec(spectrum, variantStyle(cells)),
    });
  const steps = capacityStepPoints(trials);
  if (cells.some((c) => c.pooled) || steps.length)
    charts.push({
      id: 'throughput-latency',
      title: 'Throughput against latency',
      caption: 'Achieved requests/s and latency at each load level. A line that bends upward early is a variant running out of capacity.',
      spec: throughputLatencySpec(cells, input.capacity, steps),
    });
  if (proxyCostBars(cells).length)
    charts.push({
      id: 'proxy-cost',
      title: 'Proxy cost',
      caption: 'CPU per 1,000 requests (= µs per request) and peak RSS of all of a variant\'s sidecars. CPU per request is the steadiest figure on a small host.',
      spec: proxyCostSpec(cells),
    });
  if (cells.length)
    charts.push({
      id: 'node-cpu',
      title: 'Node CPU',
      caption: 'Where the node\'s CPU went during each cell\'s trials. Steal is time the hypervisor gave to someone else.',
      spec: nodeCpuSpec(cells),
    });
  return charts;
}

/** One time-series chart per trial, grouped by cell (tier × level × variant), in trial order. */
export function trialChartGroups(trials: readonly TrialRecord[], samples: readonly SampleRecord[]): ChartGroup[] {
  const byTrial = new Map<string, SampleRecord[]>();
  for (const s of samples) byTrial.set(s.trialId, [...(byTrial.get(s.trialId) ?? []), s]);
  const groups = new Map<string, ChartGroup>();
  const sorted = [...trials].sort(
    (a, b) => a.tier.localeCompare(b.tier) || trialLevel(a).order - trialLevel(b).order || a.variant.localeCompare(b.variant) || a.repetition - b.repetition || a.index - b.index,
  );
  for (const t of sorted) {
    // A capacity search's steps are a group of their own rather than cells of one level each.
    const level = trialLevel(t);
    const key = t.capacityStep ? `search:${t.capacityStep.searchId}` : JSON.stringify([t.tier, level.order, t.variant]);
    let group = groups.get(key);
    if (!group) {
      group = t.capacityStep
        ? { id: safeId(`series-${t.capacityStep.searchId}`), title: `${t.variant} · capacity search, repetition ${t.repetition} · tier ${t.tier}`, charts: [] }
        : { id: safeId(`series-${t.tier}-${level.short}-${t.variant}`), title: `${t.variant} · ${level.label} · tier ${t.tier}`, charts: [] };
      groups.set(key, group);
    }
    group.charts.push({
      id: safeId(`series-${t.trialId}`),
      title: `${t.trialId}`,
      caption: `Repetition ${t.repetition}.`,
      spec: trialTimeSeriesSpec(t, byTrial.get(t.trialId) ?? []),
    });
  }
  return [...groups.values()];
}

function safeId(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
