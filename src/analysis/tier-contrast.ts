/**
 * How much a tier changes the mesh's overhead: for each tier against the reference tier (the
 * scenario's first), the shift between the two tiers' per-repetition overheads, tier − reference
 * (Hodges–Lehmann), with Moses' exact interval.
 *
 * Within a tier an overhead is paired by repetition (variant and what it is compared with ran
 * back to back). Across tiers nothing is paired: the tiers ran separately, so the two tiers'
 * per-repetition overheads are two independent samples. Verdicts come with an equivalence margin
 * (the tiers are "same" when the shift stays within ±marginPct of the reference tier's cost) and
 * are decided together with the report's other figures (verdict.ts), so that the share of wrong
 * calls stays controlled.
 */
import type { RunRecord, TrialRecord } from '../results/schema.js';
import { recordedVariants } from '../results/recorded-scenario.js';
import { median } from 'simple-statistics';
import { pairedDifferences } from './pairing.js';
import { shiftInterval } from './exact/moses-interval.js';
import { defaultConfidence, type IntervalOptions } from './exact/interval.js';
import { levelOf, sameLevel, type LoadMode } from './load-level.js';
import { decideVerdicts, type FigureToDecide, type VerdictResult } from './verdict.js';

export type ContrastMetric = 'latencyP50Ms' | 'latencyP99Ms' | 'achievedRps';

/**
 * What the tier does to the cost, not to the figure: "larger" when the tier makes the variant
 * add more latency or lose more throughput than on the reference tier beyond the margin,
 * "smaller" the other way, "same" when the shift stays within ±margin.
 */
export type ContrastVerdict = 'larger' | 'smaller' | 'same' | 'inconclusive';

export interface TierContrastRow {
  /** An overhead over the run's baseline variant, or a rung (over the variant's `comparedTo`). */
  kind: 'overhead' | 'rung';
  tier: string;
  referenceTier: string;
  loadMode: LoadMode;
  level: number;
  variant: string;
  /** The variant the overhead is measured against: the baseline, or the rung's `comparedTo`. */
  over: string;
  metric: ContrastMetric;
  /** 'ms' for latency (variant − over); '%' for throughput ((variant / over − 1) × 100), whose difference is in percentage points. */
  unit: 'ms' | '%';
  higherIsWorse: boolean;
  /** Median of the per-repetition overheads on the reference tier and on this tier. */
  referenceMedian: number;
  tierMedian: number;
  /** Repetitions with both the variant and what it is compared with, per tier. */
  referenceRepetitions: number;
  tierRepetitions: number;
  /** Hodges–Lehmann shift of this tier's overheads over the reference tier's, with Moses' interval. */
  difference: number;
  differenceLow: number;
  differenceHigh: number;
  /** Coverage of [differenceLow, differenceHigh] (exact), and whether it reached the requested level. */
  confidence: number;
  reachesRequested: boolean;
  /** "Same" means a shift within ±margin (in `unit`, points for throughput). */
  margin: number;
  verdict: ContrastVerdict;
  /** The verdict's reason, fit for a table cell. */
  reason: string;
  /** What the report's joint decision (verdict.ts) needs; filled in by decideTierContrasts. */
  figure: FigureToDecide;
}

export interface TierContrastInput {
  run: RunRecord;
  /** The trials to compare (flagged ones already left out if the report leaves them out). */
  trials: readonly TrialRecord[];
  baselineVariant: string;
  interval?: IntervalOptions;
  /** "Same" = within ±this percent of the reference tier's median cost; default 20. */
  marginPct?: number;
}

export const defaultTierMarginPct = 20;

/** Empty unless the run has at least two tiers. Rows come by tier, then load level, overheads before rungs. */
export function computeTierContrasts(input: TierContrastInput): TierContrastRow[] {
  const { run, baselineVariant } = input;
  if (run.tiers.length < 2) return [];
  const confidence = input.interval?.confidence ?? defaultConfidence;
  const marginPct = input.marginPct ?? defaultTierMarginPct;
  const [referenceTier, ...others] = run.tiers;
  const trials = input.trials.filter((t) => !t.capacityStep);
  const variants = recordedVariants(run);
  const comparisons: { kind: TierContrastRow['kind']; variant: string; over: string; metrics: ContrastMetric[] }[] = [
    ...variants.filter((v) => v.name !== baselineVariant).map((v) => ({ kind: 'overhead' as const, variant: v.name, over: baselineVariant, metrics: ['latencyP50Ms', 'latencyP99Ms'] as ContrastMetric[] })),
    ...variants.filter((v) => v.comparedTo).map((v) => ({ kind: 'rung' as const, variant: v.name, over: v.comparedTo!, metrics: ['latencyP50Ms', 'latencyP99Ms', 'achievedRps'] as ContrastMetric[] })),
  ];

  const rows: TierContrastRow[] = [];
  for (const tier of others) {
    const levels = uniqueLevels(trials.filter((t) => t.tier === tier));
    for (const { loadMode, level } of levels)
      for (const c of comparisons)
        for (const metric of c.metrics) {
          const at = (t: string) => perRepetitionOverheads(trials, { tier: t, loadMode, level, variant: c.variant, over: c.over, metric });
          const reference = at(referenceTier);
          const mine = at(tier);
          if (reference.length === 0 || mine.length === 0) continue;
          rows.push(contrast({ kind: c.kind, tier, referenceTier, loadMode, level, variant: c.variant, over: c.over, metric }, reference, mine, confidence, marginPct));
        }
  }
  return rows;
}

type RowKey = Pick<TierContrastRow, 'kind' | 'tier' | 'referenceTier' | 'loadMode' | 'level' | 'variant' | 'over' | 'metric'>;

function contrast(key: RowKey, reference: number[], mine: number[], confidence: number, marginPct: number): TierContrastRow {
  const higherIsWorse = key.metric !== 'achievedRps';
  const unit = key.metric === 'achievedRps' ? '%' : 'ms';
  // How far the tier's overheads sit above the reference tier's.
  const ci = shiftInterval(reference, mine, confidence);
  const referenceMedian = median(reference);
  const margin = (Math.abs(referenceMedian) * marginPct) / 100;
  return {
    ...key,
    unit,
    higherIsWorse,
    referenceMedian,
    tierMedian: median(mine),
    referenceRepetitions: reference.length,
    tierRepetitions: mine.length,
    difference: ci.estimate,
    differenceLow: ci.low,
    differenceHigh: ci.high,
    confidence: ci.confidence,
    reachesRequested: ci.reachesRequested,
    margin,
    verdict: 'inconclusive',
    reason: '',
    figure: { evidence: { kind: 'two-sample', scale: 'linear', reference, candidate: mine }, margin, higherIsWorse, unit: unit === '%' ? 'points' : unit },
  };
}

/** The report's joint verdict of a contrast, in the contrast's own words. */
export function withContrastVerdict(row: TierContrastRow, decided: VerdictResult): TierContrastRow {
  return { ...row, verdict: contrastVerdict[decided.verdict], reason: decided.reason };
}

/** Contrasts decided on their own (the report decides them together with its other figures). */
export function decideTierContrasts(rows: readonly TierContrastRow[]): TierContrastRow[] {
  const decided = decideVerdicts(rows.map((r) => r.figure));
  return rows.map((r, i) => withContrastVerdict(r, decided[i]));
}

const contrastVerdict = { regression: 'larger', improvement: 'smaller', 'no-change': 'same', inconclusive: 'inconclusive' } as const;

/**
 * One overhead per repetition that has both sides in this tier and level: variant − over in ms
 * for latency, (variant / over − 1) × 100 for throughput. Empty when no repetition pairs up, or
 * when a throughput ratio would divide by zero; a repetition recorded twice makes the pairing
 * ambiguous, so that cell is left out as the per-tier overheads leave it out.
 */
function perRepetitionOverheads(
  trials: readonly TrialRecord[],
  where: { tier: string; loadMode: LoadMode; level: number; variant: string; over: string; metric: ContrastMetric },
): number[] {
  const pick = (variant: string) =>
    trials.filter((t) => t.tier === where.tier && t.variant === variant && sameLevel(t, where)).map((t) => ({ repetition: t.repetition, value: t[where.metric] }));
  let pairs;
  try {
    pairs = pairedDifferences(pick(where.variant), pick(where.over)).pairs;
  } catch (err) {
    if (err instanceof RangeError) return [];
    throw err;
  }
  if (where.metric !== 'achievedRps') return pairs.map((p) => p.difference);
  if (pairs.some((p) => !(p.baseline > 0))) return [];
  return pairs.map((p) => (p.variant / p.baseline - 1) * 100);
}

function uniqueLevels(trials: readonly TrialRecord[]): { loadMode: LoadMode; level: number }[] {
  const keys = new Set(trials.map((t) => JSON.stringify([t.loadMode, levelOf(t)])));
  return [...keys]
    .map((k) => JSON.parse(k) as [LoadMode, number])
    .map(([loadMode, level]) => ({ loadMode, level }))
    .sort((a, b) => a.loadMode.localeCompare(b.loadMode) || a.level - b.level);
}
