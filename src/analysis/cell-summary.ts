/**
 * A run's trials grouped into cells (tier × load level × variant): pooled latency from the
 * merged histograms of the cell's trials, medians of per-trial cost figures, node figures
 * averaged over the trials' windows, and each variant's overhead over the baseline of the
 * same tier and level, paired by repetition.
 */
import * as ss from 'simple-statistics';
import type { FlagKind, TrialRecord } from '../results/schema.js';
import type { IntervalOptions } from './exact/interval.js';
import { levelOf, type LoadMode } from './load-level.js';
import { mergeEncodedHistograms, percentilesMs, type LatencyPercentilesMs } from './histograms.js';
import { computeOverhead, type Overhead } from './overhead.js';

export const overheadMetrics = ['latencyP50Ms', 'latencyP90Ms', 'latencyP99Ms', 'latencyP999Ms', 'achievedRps'] as const;
export type OverheadMetric = (typeof overheadMetrics)[number];

export interface CellSummary {
  tier: string;
  /** closed loop: the level; open loop: the median of the most connections in use. */
  connections: number;
  loadMode: LoadMode;
  /** connections (closed) or requested req/s (open): what the cell is grouped by. */
  level: number;
  variant: string;
  isBaseline: boolean;
  trials: number;
  requestsTotal: number;
  achievedRpsMean: number;
  achievedRpsMin: number;
  achievedRpsMax: number;
  /** From the merged histogram of every trial in the cell. */
  pooled: LatencyPercentilesMs | null;
  errorRatePct: number;
  proxyCpuMsPer1kRequestsMedian: number | null;
  proxyRssPeakBytesMedian: number | null;
  /** Median over trials of the busiest load-driver process's CPU. */
  loadgenCpuPctOfCoreMedian: number | null;
  node: {
    userPct: number;
    systemPct: number;
    softirqPct: number;
    iowaitPct: number;
    stealPct: number;
    foreignCpuPct: number;
    psiCpuSomePct: number | null;
  };
  probesPassed: number;
  probesTotal: number;
  /** Trials that started although the host had not gone quiet. */
  trialsStartedBusy: number;
  flaggedTrials: number;
  /** Median share of CFS periods in which the pods ran out of CPU quota; null without a quota. */
  cpuThrottledPctMedian: number | null;
  /** How many trials crossed each limit (a trial can cross several). */
  flagCounts: Partial<Record<FlagKind, number>>;
  /** Against the baseline of the same tier and level; absent for the baseline itself. */
  overhead: Partial<Record<OverheadMetric, Overhead>>;
}

export interface SummaryOptions {
  interval?: IntervalOptions;
  /** Leave flagged trials out (their repetition then has no pair for the other variants' overhead). */
  excludeFlagged?: boolean;
}

export function summarizeCells(allTrials: readonly TrialRecord[], baselineVariant: string, options: SummaryOptions = {}): CellSummary[] {
  const interval = options.interval ?? {};
  // Capacity-search steps are one trial per rate: they are reported as capacities, not cells.
  const measured = allTrials.filter((t) => !t.capacityStep);
  const trials = options.excludeFlagged ? measured.filter((t) => t.flags.length === 0) : measured;
  const cells = new Map<string, TrialRecord[]>();
  for (const t of trials) {
    const key = cellKey(t.tier, t.loadMode, levelOf(t), t.variant);
    cells.set(key, [...(cells.get(key) ?? []), t]);
  }
  const summaries: CellSummary[] = [];
  for (const group of cells.values()) {
    const first = group[0];
    const baseline = cells.get(cellKey(first.tier, first.loadMode, levelOf(first), baselineVariant)) ?? [];
    summaries.push(summarizeCell(group, first.variant === baselineVariant ? [] : baseline, first.variant === baselineVariant, interval));
  }
  return summaries.sort((a, b) => a.tier.localeCompare(b.tier) || a.loadMode.localeCompare(b.loadMode) || a.level - b.level || Number(b.isBaseline) - Number(a.isBaseline) || a.variant.localeCompare(b.variant));
}

function cellKey(tier: string, mode: LoadMode, level: number, variant: string): string {
  return JSON.stringify([tier, mode, level, variant]);
}

function summarizeCell(trials: TrialRecord[], baseline: TrialRecord[], isBaseline: boolean, interval: IntervalOptions): CellSummary {
  const first = trials[0];
  const withResponses = trials.filter((t) => t.requestsTotal > 0);
  const rps = trials.map((t) => t.achievedRps);
  const requests = trials.reduce((sum, t) => sum + t.requestsTotal, 0);
  const failed = trials.reduce((sum, t) => sum + t.errors.connectionErrors + t.errors.timeouts + t.errors.non2xx, 0);
  // The busiest driver process per trial: with several (load.processes) that is the one that may have been the limit.
  const loadgenCpu = trials.flatMap((t) => {
    const drivers = t.processes.filter((p) => p.role === 'loadgen');
    return drivers.length ? [Math.max(...drivers.map((p) => p.cpuPctOfCore))] : [];
  });
  const overhead: CellSummary['overhead'] = {};
  if (baseline.length > 0)
    for (const metric of overheadMetrics) {
      try {
        overhead[metric] = computeOverhead({
          metric,
          variantTrials: trials.map((t) => ({ repetition: t.repetition, value: t[metric] })),
          baselineTrials: baseline.map((t) => ({ repetition: t.repetition, value: t[metric] })),
          interval,
        });
      } catch (err) {
        // No repetition has both a variant and a baseline trial (e.g. an interrupted run): no overhead to state.
        if (!(err instanceof RangeError)) throw err;
      }
    }
  return {
    tier: first.tier,
    connections: first.loadMode === 'open' ? ss.median(trials.map((t) => t.connections)) : first.connections,
    loadMode: first.loadMode,
    level: levelOf(first),
    variant: first.variant,
    isBaseline,
    trials: trials.length,
    requestsTotal: requests,
    achievedRpsMean: ss.mean(rps),
    achievedRpsMin: ss.min(rps),
    achievedRpsMax: ss.max(rps),
    pooled: withResponses.length ? percentilesMs(mergeEncodedHistograms(withResponses.map((t) => t.histogram.data))) : null,
    errorRatePct: requests + failed > 0 ? (failed / (requests + failed)) * 100 : 0,
    proxyCpuMsPer1kRequestsMedian: medianOrNull(trials.map((t) => t.proxyCpuMsPer1kRequests)),
    proxyRssPeakBytesMedian: medianOrNull(trials.map((t) => t.proxyRssPeakBytes)),
    loadgenCpuPctOfCoreMedian: loadgenCpu.length ? ss.median(loadgenCpu) : null,
    node: {
      userPct: ss.mean(trials.map((t) => t.node.userPct)),
      systemPct: ss.mean(trials.map((t) => t.node.systemPct)),
      softirqPct: ss.mean(trials.map((t) => t.node.softirqPct)),
      iowaitPct: ss.mean(trials.map((t) => t.node.iowaitPct)),
      stealPct: ss.mean(trials.map((t) => t.node.stealPct)),
      foreignCpuPct: ss.mean(trials.map((t) => t.node.foreignCpuPct)),
      psiCpuSomePct: medianOrNull(trials.map((t) => t.node.psiCpuSomePct)),
    },
    probesPassed: trials.reduce((sum, t) => sum + t.verification.probes.filter((p) => p.passed).length, 0),
    probesTotal: trials.reduce((sum, t) => sum + t.verification.probes.length, 0),
    trialsStartedBusy: trials.filter((t) => !t.quiescence.reached).length,
    flaggedTrials: trials.filter((t) => t.flags.length > 0).length,
    cpuThrottledPctMedian: medianOrNull(trials.map((t) => t.cpuThrottling?.throttledPct ?? null)),
    flagCounts: countFlags(trials),
    overhead,
  };
}

function countFlags(trials: readonly TrialRecord[]): Partial<Record<FlagKind, number>> {
  const counts: Partial<Record<FlagKind, number>> = {};
  for (const t of trials) for (const f of t.flags) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
  return counts;
}

function medianOrNull(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length ? ss.median(present) : null;
}
