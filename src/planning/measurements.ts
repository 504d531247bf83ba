/**
 * Sidecar cost as measured: from one or more result folders, per tier, variant and
 * measurement point (one run's load level), the proxy CPU per 1,000 requests per edge and the
 * resident memory per proxy, each a median over the trials with an exact order-statistic
 * interval (it states the confidence it reaches); and per tier the noise figures the headroom rule reads (steal, foreign CPU,
 * repetition-to-repetition p99 spread). Results from several folders merge by tier label.
 */
import { median } from 'simple-statistics';
import { medianInterval } from '../analysis/exact/sign-interval.js';
import type { IntervalOptions } from '../analysis/exact/interval.js';
import { InvalidInputError } from '../errors.js';
import type { RunFolder } from '../results/reader.js';
import type { TrialRecord } from '../results/schema.js';
import { readRecordedScenario, type RecordedVariant } from './recorded-scenario.js';

export interface Estimate {
  estimate: number;
  low: number;
  high: number;
  /** Coverage [low, high] actually has (exact); below the requested 95% with few trials. */
  confidence: number;
}

/** One run's load level of one variant on one tier. */
export interface CostPoint {
  runId: string;
  runDir: string;
  connections: number;
  /** Median achieved req/s of the trials: the rate through each proxy pair (every edge carries the entry rate). */
  achievedRps: number;
  /**
   * Proxy CPU per 1,000 requests for one edge, i.e. for its two sidecars together (the
   * caller's outbound and the callee's inbound): the trial's figure over all proxies divided
   * by the edges one request crosses. Null when no trial recorded it.
   */
  cpuMsPer1kRequestsPerEdge: Estimate | null;
  /** Peak RSS of one proxy process: the trial's sum over its proxies divided by their number. */
  rssBytesPerProxy: Estimate | null;
  trials: number;
  trialsStartedBusy: number;
}

export interface MeasuredVariant {
  tier: string;
  variant: string;
  proxy: string;
  mode: string | null;
  /** Sorted by achieved rate, lightest first. */
  points: CostPoint[];
}

export interface TierNoise {
  tier: string;
  trials: number;
  stealPctByTrial: number[];
  foreignCpuPctByTrial: number[];
  /** Per cell (run × variant × level), the p99 of each repetition: how much a bad repetition's tail differs from a typical one. */
  p99MsByCell: number[][];
}

export interface Measurements {
  runs: { runId: string; dir: string; tiers: string[] }[];
  tiers: string[];
  /** Variants with a proxy; the baselines (and test instruments) are left out. */
  variants: MeasuredVariant[];
  /** Names that mean "no proxy" in some run, per tier. */
  baselinesByTier: Map<string, string[]>;
  noise: TierNoise[];
  /** What was read but not used, and why. */
  notes: string[];
}

export function collectMeasurements(folders: readonly RunFolder[], interval: IntervalOptions = {}): Measurements {
  const runs: Measurements['runs'] = [];
  const notes: string[] = [];
  const definitions = new Map<string, { variant: RecordedVariant; runId: string }>();
  const pointTrials = new Map<string, { tier: string; variant: RecordedVariant; runId: string; dir: string; connections: number; seed: number; edges: number; trials: TrialRecord[] }>();
  const baselinesByTier = new Map<string, string[]>();
  const noiseTrials = new Map<string, TrialRecord[]>();
  const cells = new Map<string, number[]>();

  for (const folder of folders) {
    const { run, trials, dir } = folder;
    const earlier = runs.find((r) => r.runId === run.runId);
    if (earlier) throw new InvalidInputError(`run ${run.runId} is given twice (${earlier.dir} and ${dir}); each result folder counts once`);
    const scenario = readRecordedScenario(run, dir);
    const variantsByName = new Map(scenario.variants.map((v) => [v.name, v]));
    runs.push({ runId: run.runId, dir, tiers: unique(trials.map((t) => t.tier)) });
    if (trials.length === 0) notes.push(`${dir}: no finished trial, nothing to use`);

    for (const trial of trials) {
      const variant = variantsByName.get(trial.variant);
      if (!variant) throw new InvalidInputError(`${dir}/trials.jsonl: trial ${trial.trialId} names variant "${trial.variant}", which the run's scenario does not define`);
      noiseTrials.set(trial.tier, [...(noiseTrials.get(trial.tier) ?? []), trial]);
      const cellKey = JSON.stringify([run.runId, trial.tier, trial.variant, trial.connections]);
      cells.set(cellKey, [...(cells.get(cellKey) ?? []), trial.latencyP99Ms]);
      if (!variant.proxy) {
        baselinesByTier.set(trial.tier, unique([...(baselinesByTier.get(trial.tier) ?? []), trial.variant]));
        continue;
      }
      if (variant.instrumented) continue;
      // A name must mean one configuration across all folders, or pooled costs would mix proxies.
      const defined = definitions.get(variant.name);
      if (defined && (defined.variant.proxy !== variant.proxy || defined.variant.mode !== variant.mode))
        throw new InvalidInputError(
          `variant "${variant.name}" is ${describeVariant(defined.variant)} in run ${defined.runId} but ${describeVariant(variant)} in run ${run.runId}; rename one of them`,
        );
      definitions.set(variant.name, { variant, runId: run.runId });
      const key = JSON.stringify([trial.tier, variant.name, run.runId, trial.connections]);
      const point = pointTrials.get(key) ?? { tier: trial.tier, variant, runId: run.runId, dir, connections: trial.connections, seed: run.seed, edges: scenario.edgesPerRequest, trials: [] };
      point.trials.push(trial);
      pointTrials.set(key, point);
    }
    for (const v of scenario.variants.filter((v) => v.instrumented && v.proxy)) notes.push(`run ${run.runId}: variant "${v.name}" injects a delay (a test instrument), so its costs are not used`);
  }

  const variants = new Map<string, MeasuredVariant>();
  for (const p of pointTrials.values()) {
    const key = JSON.stringify([p.tier, p.variant.name]);
    const measured = variants.get(key) ?? { tier: p.tier, variant: p.variant.name, proxy: p.variant.proxy!, mode: p.variant.mode, points: [] };
    measured.points.push(costPoint(p, interval));
    variants.set(key, measured);
  }
  for (const v of variants.values()) v.points.sort((a, b) => a.achievedRps - b.achievedRps || a.connections - b.connections);

  const noise: TierNoise[] = [...noiseTrials].map(([tier, trials]) => ({
    tier,
    trials: trials.length,
    stealPctByTrial: trials.map((t) => t.node.stealPct),
    foreignCpuPctByTrial: trials.map((t) => t.node.foreignCpuPct),
    p99MsByCell: [...cells].filter(([key]) => JSON.parse(key)[1] === tier).map(([, p99s]) => p99s),
  }));

  return {
    runs,
    tiers: unique(folders.flatMap((f) => f.trials.map((t) => t.tier))),
    variants: [...variants.values()].sort((a, b) => a.tier.localeCompare(b.tier) || a.variant.localeCompare(b.variant)),
    baselinesByTier,
    noise,
    notes,
  };
}

function costPoint(
  p: { runId: string; dir: string; connections: number; edges: number; trials: TrialRecord[] },
  options: IntervalOptions,
): CostPoint {
  const served = p.trials.filter((t) => t.requestsTotal > 0);
  const cpu = served.flatMap((t) => (t.proxyCpuMsPer1kRequests === null ? [] : [t.proxyCpuMsPer1kRequests / p.edges]));
  const rss = served.flatMap((t) => {
    const proxies = t.processes.filter((proc) => proc.role === 'proxy').length;
    return t.proxyRssPeakBytes === null || proxies === 0 ? [] : [t.proxyRssPeakBytes / proxies];
  });
  const rps = served.map((t) => t.achievedRps);
  return {
    runId: p.runId,
    runDir: p.dir,
    connections: p.connections,
    achievedRps: rps.length ? medianOf(rps) : 0,
    cpuMsPer1kRequestsPerEdge: cpu.length ? intervalOf(cpu, options) : null,
    rssBytesPerProxy: rss.length ? intervalOf(rss, options) : null,
    trials: p.trials.length,
    trialsStartedBusy: p.trials.filter((t) => !t.quiescence.reached).length,
  };
}

/** The median over trials with its exact order-statistic interval and the confidence it reaches. */
function intervalOf(values: number[], options: IntervalOptions): Estimate {
  const ci = medianInterval(values, options.confidence);
  return { estimate: ci.estimate, low: ci.low, high: ci.high, confidence: ci.confidence };
}

function medianOf(values: number[]): number {
  return median(values);
}

function describeVariant(v: RecordedVariant): string {
  return `${v.proxy ?? 'no proxy'}${v.mode ? ` (${v.mode})` : ''}`;
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
