/**
 * The per-trial and per-repetition figures the gates compare, read from trial records.
 * Shared by the two-run gate, the in-run gate and the baseline control.
 */
import type { TrialRecord } from '../results/schema.js';
import { sameLevel, type LoadMode } from './load-level.js';

export const gateMetrics = ['latencyP50Ms', 'latencyP99Ms', 'proxyToAppCpuRatio', 'proxyCpuMsPer1kRequests'] as const;
export type GateMetric = (typeof gateMetrics)[number];
export type LatencyMetric = 'latencyP50Ms' | 'latencyP99Ms';
export const isLatency = (metric: GateMetric): metric is LatencyMetric => metric === 'latencyP50Ms' || metric === 'latencyP99Ms';

type Trials = readonly TrialRecord[];

/** A trial's figure: a recorded field, or one derived from its processes' CPU. */
export function trialFigure(trial: TrialRecord, figure: GateMetric | 'appCpuMsPer1kRequests'): number | null {
  const value = figure === 'proxyToAppCpuRatio' ? proxyToAppCpuRatio(trial) : figure === 'appCpuMsPer1kRequests' ? appCpuMsPer1kRequests(trial) : trial[figure];
  return value !== null && Number.isFinite(value) ? value : null;
}

export function figures(trials: Trials, figure: GateMetric | 'appCpuMsPer1kRequests'): number[] {
  return trials.map((t) => trialFigure(t, figure)).filter((v): v is number => v !== null);
}

/** One variant's trials in one cell (tier and load level), capacity-search steps left out. */
export function inCell(trials: Trials, cell: { tier: string; loadMode: LoadMode; level: number }, variant: string): TrialRecord[] {
  return trials.filter((t) => t.tier === cell.tier && t.variant === variant && !t.capacityStep && sameLevel(t, cell));
}

/** The apps' CPU per 1,000 requests: the baseline's own CPU cost, the control for proxy CPU per request. */
export function appCpuMsPer1kRequests(trial: TrialRecord): number | null {
  const app = trial.processes.filter((p) => p.role === 'app').reduce((sum, p) => sum + p.cpuSeconds, 0);
  return app > 0 && trial.requestsTotal > 0 ? (app * 1000) / (trial.requestsTotal / 1000) : null;
}

/** CPU seconds of the trial's proxies over its apps' (null without both), from the recorded processes. */
export function proxyToAppCpuRatio(trial: TrialRecord): number | null {
  const cpuOf = (role: string) => trial.processes.filter((p) => p.role === role).reduce((sum, p) => sum + p.cpuSeconds, 0);
  const proxy = cpuOf('proxy');
  const app = cpuOf('app');
  return proxy > 0 && app > 0 ? proxy / app : null;
}

/** Per repetition: variant − baseline, pairing trials of the same repetition. */
export function addedOverheads(variant: Trials, baseline: Trials, metric: LatencyMetric): { repetition: number; value: number }[] {
  const byRepetition = new Map(baseline.map((t) => [t.repetition, t]));
  return variant.flatMap((t) => {
    const b = byRepetition.get(t.repetition)?.[metric];
    return b === undefined || b === null ? [] : [{ repetition: t.repetition, value: t[metric] - b }];
  });
}

/** Per repetition: (variant / baseline − 1) × 100, pairing trials of the same repetition. */
export function relativeOverheads(variant: Trials, baseline: Trials, metric: LatencyMetric): { repetition: number; value: number }[] {
  const byRepetition = new Map(baseline.map((t) => [t.repetition, t]));
  return variant.flatMap((t) => {
    const b = byRepetition.get(t.repetition)?.[metric];
    return b === undefined || b === null || !(b > 0) ? [] : [{ repetition: t.repetition, value: (t[metric] / b - 1) * 100 }];
  });
}
