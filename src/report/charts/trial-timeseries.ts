/**
 * One trial second by second: per-second p99 and requests/s on top, the node's steal, iowait
 * and PSI underneath, on one time axis, so a latency spike can be lined up with what the node
 * was doing. Each point sits at the end of the second (or sampling window) it covers; 1 Hz
 * samples from the warm-up appear left of 0.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { SampleRecord, TrialRecord } from '../../results/schema.js';
import { chartConfig, round, trialLevel } from './style.js';

export const trialSeries = {
  p99: 'p99 latency (ms)',
  rps: 'requests/s',
  steal: 'steal %',
  iowait: 'iowait %',
  psiCpu: 'PSI cpu some %',
  psiIo: 'PSI io some %',
} as const;
type SeriesName = (typeof trialSeries)[keyof typeof trialSeries];

export interface TrialSeriesPoint {
  panel: 'load' | 'node';
  series: SeriesName;
  /** Seconds since the start of the measured window. */
  tSeconds: number;
  value: number;
}

export function trialSeriesPoints(trial: TrialRecord, samples: readonly SampleRecord[]): TrialSeriesPoint[] {
  const points: TrialSeriesPoint[] = [];
  const bySecond = new Map(trial.perSecond.map((s) => [s.second, s]));
  const windowSeconds = trial.windowMs / 1000;
  for (let second = 0; second < windowSeconds; second++) {
    // The last second is usually cut short by the window's end: scale its count to a rate, and
    // leave it out when under half a second is left, where a handful of requests would read as a dip.
    const coveredSeconds = Math.min(1, windowSeconds - second);
    if (coveredSeconds < 0.5) continue;
    const s = bySecond.get(second);
    const tSeconds = round(second + coveredSeconds, 3);
    // A second with no record had no completed request: a stall, drawn as 0 req/s.
    if (s && s.requests > 0) points.push({ panel: 'load', series: trialSeries.p99, tSeconds, value: round(s.latencyP99Ms) });
    points.push({ panel: 'load', series: trialSeries.rps, tSeconds, value: round((s?.requests ?? 0) / coveredSeconds, 1) });
  }
  for (const s of samples) {
    if (s.trialId !== trial.trialId) continue;
    const tSeconds = round(s.tMs / 1000, 3);
    points.push({ panel: 'node', series: trialSeries.steal, tSeconds, value: round(s.node.stealPct, 2) });
    points.push({ panel: 'node', series: trialSeries.iowait, tSeconds, value: round(s.node.iowaitPct, 2) });
    if (s.node.psiCpuSomePct !== null) points.push({ panel: 'node', series: trialSeries.psiCpu, tSeconds, value: round(s.node.psiCpuSomePct, 2) });
    if (s.node.psiIoSomePct !== null) points.push({ panel: 'node', series: trialSeries.psiIo, tSeconds, value: round(s.node.psiIoSomePct, 2) });
  }
  return points.sort((a, b) => a.tSeconds - b.tSeconds);
}

export function trialTimeSeriesSpec(trial: TrialRecord, samples: readonly SampleRecord[]): TopLevelSpec {
  const points = trialSeriesPoints(trial, samples);
  const times = points.map((p) => p.tSeconds);
  const xDomain = [Math.min(0, ...times), Math.max(1, ...times)];
  const x = { field: 'tSeconds', type: 'quantitative', title: 'seconds into the measured window', scale: { domain: xDomain, nice: false } } as const;
  const nodeSeries = [trialSeries.steal, trialSeries.iowait, trialSeries.psiCpu, trialSeries.psiIo];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${trial.variant} · ${trialLevel(trial).label} · repetition ${trial.repetition} · tier ${trial.tier}`,
      subtitle: `${trial.trialId}: ${Math.round(trial.achievedRps).toLocaleString('en-US')} req/s, p99 ${trial.latencyP99Ms.toFixed(3)} ms over the whole window`,
    },
    config: chartConfig,
    data: { values: points.map((p) => ({ ...p })) },
    vconcat: [
      {
        width: 520,
        height: 110,
        transform: [{ filter: "datum.panel == 'load'" }],
        layer: [
          {
            transform: [{ filter: `datum.series == '${trialSeries.p99}'` }],
            mark: { type: 'line', point: true, color: '#e45756' },
            encoding: {
              x,
              y: { field: 'value', type: 'quantitative', title: trialSeries.p99, axis: { titleColor: '#e45756' } },
              tooltip: [{ field: 'tSeconds', title: 's' }, { field: 'value', title: trialSeries.p99 }],
            },
          },
          {
            transform: [{ filter: `datum.series == '${trialSeries.rps}'` }],
            mark: { type: 'line', point: true, color: '#4c78a8', strokeDash: [4, 3] },
            encoding: {
              x,
              y: { field: 'value', type: 'quantitative', title: trialSeries.rps, axis: { orient: 'right', titleColor: '#4c78a8' } },
              tooltip: [{ field: 'tSeconds', title: 's' }, { field: 'value', title: trialSeries.rps }],
            },
          },
        ],
        resolve: { scale: { y: 'independent' } },
      },
      {
        width: 520,
        height: 80,
        transform: [{ filter: "datum.panel == 'node'" }],
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative', title: 'node %' },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            scale: { domain: nodeSeries, range: ['#e45756', '#72b7b2', '#b279a2', '#9d755d'] },
          },
          tooltip: [{ field: 'tSeconds', title: 's' }, { field: 'series' }, { field: 'value' }],
        },
      },
    ],
    resolve: { scale: { x: 'shared', color: 'independent' } },
  };
}
