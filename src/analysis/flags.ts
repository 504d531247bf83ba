/**
 * Which limits a trial crossed. A flagged trial still counts by default; reports say how
 * many were flagged and why, and whether the conclusions hold without them.
 *
 * Decided on the whole window and on its 1 Hz samples: a trial that lost a few seconds to a
 * burst of steal shows a low window average, so a single second above twice the limit flags it
 * too (twice, because one second holds few clock ticks and a single-second reading is coarse).
 * `report` and `gate` recompute flags from the records (recomputeFlags), with the scenario's
 * limits or the command line's, so a limit changed later applies to old runs too.
 */
import { sampleCorrelation } from 'simple-statistics';
import type { NodeWindow, PerSecond, ProcessFigures, RunRecord, SampleRecord, TrialFlag, TrialRecord } from '../results/schema.js';
import { z } from 'zod';
import { flagLimitsSchema, type FlagLimits } from '../scenario/schema.js';

/** What flags need of the scenario recorded in run.json (read through a schema, never cast). */
const recordedForFlags = z.looseObject({
  flagLimits: z.unknown().optional(),
  tiers: z.array(z.looseObject({ name: z.string(), contention: z.looseObject({ ioNeighbour: z.unknown().optional() }).nullish() })).optional(),
});

export interface FlagInput {
  node: NodeWindow;
  processes: readonly ProcessFigures[];
  errorRatePct: number;
  /** Open loop only: the driver's own event-loop delay. */
  openLoop?: { eventLoopDelayP99Ms: number } | null;
  /** The node in each 1 Hz sample of the window. */
  perSecondNode?: readonly NodeWindow[];
  /** The trial's per-second latency series. */
  perSecondLatency?: readonly PerSecond[];
  windowMs?: number;
}

export function flagTrial(t: FlagInput, limits: FlagLimits): TrialFlag[] {
  const flags: TrialFlag[] = [];
  const add = (kind: TrialFlag['kind'], valuePct: number, limitPct: number, message: string) => flags.push({ kind, valuePct, limitPct, message });
  const check = (kind: TrialFlag['kind'], valuePct: number, limitPct: number, what: string) => {
    if (valuePct > limitPct) add(kind, valuePct, limitPct, `${what} ${valuePct.toFixed(1)}% > ${limitPct}%`);
  };
  /** The window's average, or failing that its worst second against twice the limit. */
  const checkNode = (kind: 'steal' | 'iowait' | 'foreign-cpu', field: 'stealPct' | 'iowaitPct' | 'foreignCpuPct', limitPct: number, what: string) => {
    if (t.node[field] > limitPct) return check(kind, t.node[field], limitPct, what);
    const seconds = t.perSecondNode ?? [];
    const worst = seconds.reduce((max, s) => Math.max(max, s[field]), -Infinity);
    if (worst > 2 * limitPct) add(kind, worst, 2 * limitPct, `${what} ${worst.toFixed(1)}% in one second > ${2 * limitPct}% (twice the limit; the window averaged ${t.node[field].toFixed(1)}%)`);
  };
  const drivers = t.processes.filter((p) => p.role === 'loadgen');
  const loadgenCpu = drivers.reduce((max, p) => Math.max(max, p.cpuPctOfCore), 0);
  // "≥ ~90% of a core": a single-threaded load generator cannot go faster than one core.
  check('loadgen-saturated', loadgenCpu, limits.loadgenCpuPctOfCore, 'load generator CPU (of one core)');
  // Starved: runnable but waiting for a CPU (another process had it), so it sent late or too little.
  const windowSeconds = (t.windowMs ?? t.node.windowMs) / 1000;
  const waits = drivers.flatMap((p) => (p.runQueueWaitSeconds === null || !(windowSeconds > 0) ? [] : [(p.runQueueWaitSeconds / windowSeconds) * 100]));
  if (waits.length) check('loadgen-starved', Math.max(...waits), limits.loadgenRunQueuePct, 'load generator waiting for a CPU');
  const eventLoopDelayMs = t.openLoop?.eventLoopDelayP99Ms;
  if (eventLoopDelayMs !== undefined && eventLoopDelayMs > limits.loadgenEventLoopDelayP99Ms)
    add('loadgen-late', eventLoopDelayMs, limits.loadgenEventLoopDelayP99Ms, `open-loop driver's event loop late by ${eventLoopDelayMs.toFixed(1)} ms at p99 > ${limits.loadgenEventLoopDelayP99Ms} ms`);
  checkNode('steal', 'stealPct', limits.stealPct, 'CPU steal');
  checkNode('iowait', 'iowaitPct', limits.iowaitPct, 'iowait');
  checkNode('foreign-cpu', 'foreignCpuPct', limits.foreignCpuPct, 'foreign CPU');
  if (t.node.foreignCpuPct < -limits.cpuAccountingPct)
    add('cpu-accounting', t.node.foreignCpuPct, -limits.cpuAccountingPct, `the run's processes used ${(-t.node.foreignCpuPct).toFixed(1)}% of all CPUs more than the host reports busy: CPU accounting does not add up`);
  const trend = latencyTrendPct(t.perSecondLatency ?? []);
  if (trend !== null && Math.abs(trend) > limits.trendPct)
    add('non-stationary', trend, limits.trendPct, `per-second p50 ${trend > 0 ? 'rose' : 'fell'} steadily by ${Math.abs(trend).toFixed(0)}% over the window (> ${limits.trendPct}%): the trial had not settled`);
  check('errors', t.errorRatePct, limits.errorRatePct, 'error rate');
  return flags;
}

/**
 * A steady trend in per-second p50 over whole seconds (at least four; the last, partial second
 * is left out): the change from the first to the last second in percent, when the seconds rise
 * or fall nearly monotonically (correlation with time ≥ 0.8); null when there is no trend or
 * too few seconds to tell.
 */
export function latencyTrendPct(perSecond: readonly PerSecond[]): number | null {
  const full = perSecond.filter((s, i) => i < perSecond.length - 1 || s.requests >= 0.5 * (perSecond[0]?.requests ?? 0));
  if (full.length < 4) return null;
  const p50 = full.map((s) => s.latencyP50Ms);
  if (!(p50[0] > 0) || new Set(p50).size < 2) return null;
  const r = sampleCorrelation(full.map((s) => s.second), p50);
  if (!(Math.abs(r) >= 0.8)) return null;
  return (p50[p50.length - 1] / p50[0] - 1) * 100;
}

/**
 * Flags of recorded trials decided again with `limits` (the scenario's as recorded, overridden
 * by the command line's), from the records and their 1 Hz samples.
 */
export function recomputeFlags(run: RunRecord, trials: readonly TrialRecord[], samples: readonly SampleRecord[], overrides: Partial<FlagLimits> = {}): TrialRecord[] {
  const recorded = recordedForFlags.parse(run.scenario);
  const parsed = flagLimitsSchema.safeParse(recorded.flagLimits ?? {});
  const base = parsed.success ? parsed.data : flagLimitsSchema.parse({});
  const limits = { ...base, ...overrides };
  const byTrial = new Map<string, NodeWindow[]>();
  for (const s of samples) byTrial.set(s.trialId, [...(byTrial.get(s.trialId) ?? []), s.node]);
  return trials.map((t) => ({
    ...t,
    flags: flagTrial(
      {
        node: t.node,
        processes: t.processes,
        errorRatePct: t.errorRatePct,
        openLoop: t.openLoop,
        // Warm-up samples (negative time) are outside the window.
        perSecondNode: byTrial.get(t.trialId) ?? [],
        perSecondLatency: t.perSecond,
        windowMs: t.windowMs,
      },
      tierLimits(limits, recorded.tiers ?? [], t.tier),
    ),
  }));
}

/** An emulated I/O neighbour's iowait is the point of its tier, not a reason to distrust it. */
function tierLimits(limits: FlagLimits, tiers: readonly { name: string; contention?: { ioNeighbour?: unknown } | null }[], tier: string): FlagLimits {
  return tiers.find((x) => x.name === tier)?.contention?.ioNeighbour ? { ...limits, iowaitPct: 100 } : limits;
}
