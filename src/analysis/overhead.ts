import {
  bootstrapCi,
  medianInPlace,
  pairedDifferences,
  resolveOptions,
  type BootstrapOptions,
  type Observation,
  type UnpairedRepetition,
} from './bootstrap.js';
import { resolveMetric } from './metrics.js';

export interface OverheadInput {
  /** One figure per repetition of the variant (a trial reduced to `metric`). */
  variantTrials: readonly Observation[];
  /** The same for the baseline, in the same tier and load level. */
  baselineTrials: readonly Observation[];
  metric: string;
  /** Needed only for metrics outside the catalogue in metrics.ts. */
  unit?: string;
  higherIsWorse?: boolean;
  bootstrap?: BootstrapOptions;
}

export interface Overhead {
  metric: string;
  unit: string;
  higherIsWorse: boolean;
  /** Medians over the paired repetitions, so they describe the same sample as the delta. */
  baselineMedian: number;
  variantMedian: number;
  /** Median of per-repetition (variant − baseline), in `unit`. */
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
  /** Number of paired repetitions behind the intervals. */
  pairs: number;
  unpairedRepetitions: UnpairedRepetition[];
  confidence: number;
  resamples: number;
  seed: number;
}

/**
 * Overhead of a variant over the baseline, paired by repetition, with percentile bootstrap
 * intervals. Values are per-repetition figures (a trial's p99, its achieved rps); a cell's pooled
 * percentiles come from merged histograms instead (histograms.ts).
 *
 * The relative overhead is the median of per-repetition ratios, with its own interval, rather
 * than deltaMedian / baselineMedian: the ratio inside each repetition cancels that repetition's
 * drift in scale as well as in offset, and gets an honest interval of its own.
 */
export function computeOverhead(input: OverheadInput): Overhead {
  const { unit, higherIsWorse } = resolveMetric(input.metric, { unit: input.unit, higherIsWorse: input.higherIsWorse });
  const bootstrap = resolveOptions(input.bootstrap ?? {});
  const { pairs, unpairedRepetitions } = pairedDifferences(input.variantTrials, input.baselineTrials);
  if (pairs.length === 0) {
    throw new RangeError(`no repetition of ${input.metric} has both a variant and a baseline trial`);
  }

  const delta = bootstrapCi(
    pairs.map((pair) => pair.difference),
    medianInPlace,
    bootstrap,
  );
  const ratiosDefined = pairs.every((pair) => pair.baseline > 0);
  // Same seed as the delta: both intervals then come from the same resampled repetitions.
  const relative = ratiosDefined
    ? bootstrapCi(
        pairs.map((pair) => (pair.variant / pair.baseline - 1) * 100),
        medianInPlace,
        bootstrap,
      )
    : null;

  return {
    metric: input.metric,
    unit,
    higherIsWorse,
    baselineMedian: medianInPlace(Float64Array.from(pairs, (pair) => pair.baseline)),
    variantMedian: medianInPlace(Float64Array.from(pairs, (pair) => pair.variant)),
    deltaMedian: delta.estimate,
    deltaLow: delta.low,
    deltaHigh: delta.high,
    relativePct: relative?.estimate ?? null,
    relativeLowPct: relative?.low ?? null,
    relativeHighPct: relative?.high ?? null,
    pairs: pairs.length,
    unpairedRepetitions,
    ...bootstrap,
  };
}
