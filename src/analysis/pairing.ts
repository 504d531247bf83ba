/**
 * Pairing a variant's trials with the baseline's (or another variant's) by repetition: within a
 * repetition both ran back to back, so drift (thermal, noisy neighbours) cancels in the
 * difference or ratio.
 */
/** One repetition's figure for one variant (a trial reduced to the metric being compared). */
export interface Observation {
  repetition: number;
  value: number;
}

export interface Pair {
  repetition: number;
  variant: number;
  baseline: number;
  /** variant − baseline */
  difference: number;
}

export interface UnpairedRepetition {
  repetition: number;
  /** The side that has this repetition; the other side lacks it (failed or missing trial). */
  presentIn: 'variant' | 'baseline';
}

export interface Pairing {
  /** Sorted by repetition. */
  pairs: Pair[];
  /** Sorted by repetition; callers report these rather than losing them silently. */
  unpairedRepetitions: UnpairedRepetition[];
}

/**
 * Pairs variant and baseline by repetition. Within a repetition both ran back to back, so drift
 * (thermal, noisy neighbours) cancels in the difference. A repetition present twice on one side
 * is an error: which of the two belongs in the pair is the caller's decision, not a guess here.
 */
export function pairedDifferences(variant: readonly Observation[], baseline: readonly Observation[]): Pairing {
  const variantByRepetition = indexByRepetition(variant, 'variant');
  const baselineByRepetition = indexByRepetition(baseline, 'baseline');
  const pairs: Pair[] = [];
  const unpairedRepetitions: UnpairedRepetition[] = [];
  for (const [repetition, variantValue] of variantByRepetition) {
    const baselineValue = baselineByRepetition.get(repetition);
    if (baselineValue === undefined) {
      unpairedRepetitions.push({ repetition, presentIn: 'variant' });
    } else {
      pairs.push({ repetition, variant: variantValue, baseline: baselineValue, difference: variantValue - baselineValue });
    }
  }
  for (const repetition of baselineByRepetition.keys()) {
    if (!variantByRepetition.has(repetition)) unpairedRepetitions.push({ repetition, presentIn: 'baseline' });
  }
  pairs.sort((a, b) => a.repetition - b.repetition);
  unpairedRepetitions.sort((a, b) => a.repetition - b.repetition);
  return { pairs, unpairedRepetitions };
}

function indexByRepetition(observations: readonly Observation[], side: 'variant' | 'baseline'): Map<number, number> {
  const byRepetition = new Map<number, number>();
  for (const { repetition, value } of observations) {
    if (byRepetition.has(repetition)) {
      throw new RangeError(`repetition ${repetition} appears more than once on the ${side} side; deduplicate trials before pairing`);
    }
    if (!Number.isFinite(value)) throw new RangeError(`${side} value of repetition ${repetition} must be finite, got ${value}`);
    byRepetition.set(repetition, value);
  }
  return byRepetition;
}

