import { medianInterval } from './exact/sign-interval.js';
import { defaultConfidence, type IntervalOptions } from './exact/interval.js';
import { pairedDifferences, type Observation, type UnpairedRepetition } from './pairing.js';
import { resolveMetric } from './metrics.js';
import { median } from 'simple-statistics';

export interface OverheadInput {
  /** One figure per repetition of the variant (a trial reduced to `metric`). */
  variantTrials: readonly Observation[];
  /** The same for the baseline, in the same tier and load level. */
  baselineTrials: readonly Observation[];
  metric: string;
  /** Needed only for metrics outside the catalogue in metrics.ts. */
  unit?: string;
  higherIsWorse?: boolean;
  interval?: IntervalOptions;
}

export interface Overhead {
  metric: string;
  unit: string;
  higherIsWorse: boolean;
  /** Medians over the paired repetitions, so they describe the same sample as the delta. */
  baselineMedian: number;
  variantMedian: number;
  /** Median of per-repetition (variant − baseline), in `unit`, with its order-statistic interval. */
  deltaMedian: number;
  deltaLow: number;
  deltaHigh: number;
  /**
   * Median of per-repetition (variant / baseline − 1) × 100. Null when a paired baseline is not
   * positive (e.g. proxy CPU, which the baseline does not have): a ratio to zero means nothing.
   */
  relativePct: number | null;
  relativeLowPct: number | null;
  relativeHighPct: number | null;
  /** The per-repetition values behind the two intervals, for tests of a verdict. */
  deltas: number[];
  relatives: number[] | null;
  /** Number of paired repetitions behind the intervals. */
  pairs: number;
  unpairedRepetitions: UnpairedRepetition[];
  /** Coverage the intervals actually have (exact), and what was asked for. */
  confidence: number;
  requestedConfidence: number;
  /** False when too few repetitions exist to reach the requested confidence. */
  reachesRequested: boolean;
}

/**
 * Overhead of a variant over the baseline, paired by repetition, with exact distribution-free
 * intervals for the median (order statistics; sign-interval.ts). Values are per-repetition
 * figures (a trial's p99, its achieved rps); a cell's pooled percentiles come from merged
 * histograms instead (histograms.ts) and are a different estimand.
 *
 * The relative overhead is the median of per-repetition ratios, with its own interval, rather
 * than deltaMedian / baselineMedian: the ratio inside each repetition cancels that repetition's
 * drift in scale as well as in offset, and the interval then accounts for the denominator.
 */
export function computeOverhead(input: OverheadInput): Overhead {
  const { unit, higherIsWorse } = resolveMetric(input.metric, { unit: input.unit, higherIsWorse: input.higherIsWorse });
  const confidence = input.interval?.confidence ?? defaultConfidence;
  const { pairs, unpairedRepetitions } = pairedDifferences(input.variantTrials, input.baselineTrials);
  if (pairs.length === 0) {
    throw new RangeError(`no repetition of ${input.metric} has both a variant and a baseline trial`);
  }
  const deltas = pairs.map((pair) => pair.difference);
  const delta = medianInterval(deltas, confidence);
  const relatives = pairs.every((pair) => pair.baseline > 0) ? pairs.map((pair) => (pair.variant / pair.baseline - 1) * 100) : null;
  const relative = relatives ? medianInterval(relatives, confidence) : null;
  return {
    metric: input.metric,
    unit,
    higherIsWorse,
    baselineMedian: median(pairs.map((pair) => pair.baseline)),
    variantMedian: median(pairs.map((pair) => pair.variant)),
    deltaMedian: delta.estimate,
    deltaLow: delta.low,
    deltaHigh: delta.high,
    relativePct: relative?.estimate ?? null,
    relativeLowPct: relative?.low ?? null,
    relativeHighPct: relative?.high ?? null,
    deltas,
    relatives,
    pairs: pairs.length,
    unpairedRepetitions,
    confidence: delta.confidence,
    requestedConfidence: confidence,
    reachesRequested: delta.reachesRequested,
  };
}
