/**
 * How far one sample sits from another: the Hodges–Lehmann shift (the median of all m·n
 * differences b_j − a_i) with Moses' exact distribution-free interval (Hollander, Wolfe &
 * Chicken, Nonparametric Statistical Methods, 3rd ed., §4.3): [D(k), D(mn + 1 − k)] of the
 * sorted differences covers the shift with probability 1 − 2·P(U ≤ k − 1), U the Mann–Whitney
 * statistic, for any continuous distribution under the shift model (b is a shifted a).
 *
 * For ratios (a change in percent) the same is done on logarithms: the interval for
 * log(b) − log(a) is the interval for the ratio under a scale model, and it treats the
 * reference sample as uncertain as the candidate, instead of dividing by its median as if it
 * were exact.
 */
import { median } from 'simple-statistics';
import { checkConfidence, checkFinite, type ExactInterval, type OneSidedBound } from './interval.js';
import { mannWhitneyNull } from './mann-whitney.js';

function sortedDifferences(a: readonly number[], b: readonly number[]): Float64Array {
  const d = new Float64Array(a.length * b.length);
  let k = 0;
  for (const y of b) for (const x of a) d[k++] = y - x;
  return d.sort();
}

/** Hodges–Lehmann shift of b over a. */
export function hodgesLehmannShift(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) throw new RangeError('a shift needs values on both sides');
  return median(Array.from(sortedDifferences(a, b)));
}

/** Two-sided interval for the shift of b over a. */
export function shiftInterval(a: readonly number[], b: readonly number[], confidence = 0.95): ExactInterval {
  checkConfidence(confidence);
  checkFinite([...a, ...b], 'shiftInterval');
  if (a.length === 0 || b.length === 0) throw new RangeError('shiftInterval needs values on both sides');
  const d = sortedDifferences(a, b);
  const mn = d.length;
  const nullU = mannWhitneyNull(a.length, b.length);
  const coverage = (k: number) => 1 - 2 * nullU.cdf(k - 1);
  let k = 1;
  for (let candidate = Math.floor((mn + 1) / 2); candidate >= 1; candidate--) {
    if (coverage(candidate) >= confidence - 1e-12) {
      k = candidate;
      break;
    }
  }
  const achieved = Math.max(0, coverage(k));
  return {
    estimate: median(Array.from(d)),
    low: d[k - 1],
    high: d[mn - k],
    confidence: achieved,
    requestedConfidence: confidence,
    reachesRequested: achieved >= confidence - 1e-12,
    n: Math.min(a.length, b.length),
    method: nullU.exact ? 'moses' : 'moses-normal',
  };
}

/** One-sided bound for the shift: 'lower' says the shift is above it, 'upper' below it. */
export function shiftBound(a: readonly number[], b: readonly number[], side: 'lower' | 'upper', confidence = 0.95): OneSidedBound {
  checkConfidence(confidence);
  checkFinite([...a, ...b], 'shiftBound');
  const d = sortedDifferences(a, b);
  const mn = d.length;
  const nullU = mannWhitneyNull(a.length, b.length);
  let k = 1;
  for (let candidate = mn; candidate >= 1; candidate--) {
    if (nullU.cdf(candidate - 1) <= 1 - confidence + 1e-12) {
      k = candidate;
      break;
    }
  }
  const achieved = 1 - nullU.cdf(k - 1);
  return { bound: side === 'lower' ? d[k - 1] : d[mn - k], confidence: achieved, requestedConfidence: confidence, reachesRequested: achieved >= confidence - 1e-12 };
}

/**
 * Exact one-sided Mann–Whitney p-value of H0 "b = a + delta0" against H1 "the shift is larger"
 * ('greater') or "smaller" ('less'). Differences equal to delta0 count against H1 (conservative).
 */
export function shiftTestPValue(a: readonly number[], b: readonly number[], delta0: number, alternative: 'greater' | 'less'): number {
  checkFinite([...a, ...b], 'shiftTestPValue');
  if (a.length === 0 || b.length === 0) return 1;
  let favouring = 0;
  for (const y of b) for (const x of a) if (alternative === 'greater' ? y - x > delta0 : y - x < delta0) favouring++;
  const mn = a.length * b.length;
  // P(U ≥ favouring) = P(U ≤ mn − favouring) by symmetry of the null.
  return mannWhitneyNull(a.length, b.length).cdf(mn - favouring);
}

/** Values as logarithms, for ratio intervals; null when any is not positive (a ratio to ≤ 0 means nothing). */
export function logsOrNull(values: readonly number[]): number[] | null {
  return values.every((v) => v > 0) ? values.map(Math.log) : null;
}
