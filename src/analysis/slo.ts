/**
 * Service-level objectives from the scenario, checked against a run. An objective is
 * "violated" only when the whole confidence interval (exact, for the median over trials) lies beyond its limit, "met" when the
 * whole interval lies within it, and "uncertain" otherwise; `run` fails (exit 4) on a
 * violation, never on uncertainty alone.
 */
import type { TrialRecord } from '../results/schema.js';
import type { Slo } from '../scenario/schema.js';
import { medianInterval } from './exact/sign-interval.js';
import type { IntervalOptions } from './exact/interval.js';
import type { CellSummary } from './cell-summary.js';
import { levelLabel, sameLevel } from './load-level.js';

export type SloStatus = 'violated' | 'met' | 'uncertain';

export interface SloCheck {
  objective: keyof Slo;
  tier: string;
  /** e.g. "16 connections" or "1,000 req/s" */
  level: string;
  variant: string;
  limit: number;
  estimate: number;
  low: number;
  high: number;
  status: SloStatus;
}

export function checkSlos(slo: Slo, cells: readonly CellSummary[], trials: readonly TrialRecord[], intervalOptions: IntervalOptions = {}): SloCheck[] {
  const checks: SloCheck[] = [];
  for (const cell of cells) {
    const inCell = trials.filter((t) => t.tier === cell.tier && t.variant === cell.variant && !t.capacityStep && sameLevel(t, cell));
    const add = (objective: keyof Slo, limit: number | undefined, estimate: number, low: number, high: number) => {
      if (limit === undefined) return;
      const status: SloStatus = low > limit ? 'violated' : high <= limit ? 'met' : 'uncertain';
      checks.push({ objective, tier: cell.tier, level: levelLabel(cell.loadMode, cell.level), variant: cell.variant, limit, estimate, low, high, status });
    };
    const interval = (values: number[]) => {
      const ci = medianInterval(values, intervalOptions.confidence);
      return [ci.estimate, ci.low, ci.high] as const;
    };
    if (slo.latencyP99Ms !== undefined && inCell.length) add('latencyP99Ms', slo.latencyP99Ms, ...interval(inCell.map((t) => t.latencyP99Ms)));
    if (slo.errorRatePct !== undefined && inCell.length) add('errorRatePct', slo.errorRatePct, ...interval(inCell.map((t) => t.errorRatePct)));
    if (cell.isBaseline) continue;
    const p99 = cell.overhead.latencyP99Ms;
    if (slo.overheadP99Pct !== undefined && p99?.relativePct != null)
      add('overheadP99Pct', slo.overheadP99Pct, p99.relativePct, p99.relativeLowPct!, p99.relativeHighPct!);
    const p50 = cell.overhead.latencyP50Ms;
    if (slo.overheadP50Ms !== undefined && p50) add('overheadP50Ms', slo.overheadP50Ms, p50.deltaMedian, p50.deltaLow, p50.deltaHigh);
    if (slo.proxyRssMb !== undefined) {
      // Per proxy process tree: the largest one in each trial.
      const perTrial = inCell.map((t) => Math.max(0, ...t.processes.filter((p) => p.role === 'proxy').map((p) => p.rssPeakBytes / 2 ** 20)));
      if (perTrial.length) add('proxyRssMb', slo.proxyRssMb, ...interval(perTrial));
    }
  }
  return checks;
}
