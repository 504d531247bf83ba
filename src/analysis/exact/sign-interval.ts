/**
 * The distribution-free interval for a median from order statistics, and the sign test it is
 * the dual of (Hollander, Wolfe & Chicken, Nonparametric Statistical Methods, 3rd ed., §3.6).
 *
 * For n independent values from any continuous distribution, the chance that the median lies
 * between the k-th smallest and the k-th largest value is 1 − 2·P(B ≤ k − 1) with B ~ Bin(n, ½),
 * whatever the distribution. No symmetry or normality is assumed, so it holds for the skewed,
 * bimodal per-repetition figures a noisy VM produces. Its price: few levels are reachable at a
 * few repetitions (3 values reach 75%, 5 reach 93.75%, 6 reach 96.9%).
 */
import { binomialDistribution, median } from 'simple-statistics';
import { checkConfidence, checkFinite, type ExactInterval, type OneSidedBound } from './interval.js';

/** P(B ≤ j) for B ~ Bin(n, ½), j = 0..n. */
export function halfBinomialCdf(n: number): Float64Array {
  const cdf = new Float64Array(n + 1);
  // simple-statistics stops once the upper tail is negligible; the missing cells are ~0.
  const pmf: readonly number[] = n === 0 ? [1] : (binomialDistribution(n, 0.5) ?? []);
  let sum = 0;
  for (let j = 0; j <= n; j++) {
    sum += pmf[j] ?? 0;
    cdf[j] = Math.min(1, sum);
  }
  // By symmetry the whole distribution is known from its lower half; this also undoes rounding.
  for (let j = 0; j <= n; j++) if (n - j - 1 >= 0 && j > n / 2) cdf[j] = 1 - cdf[n - j - 1];
  cdf[n] = 1;
  return cdf;
}

/** Two-sided interval for the median of `values`. */
export function medianInterval(values: readonly number[], confidence = 0.95): ExactInterval {
  checkConfidence(confidence);
  checkFinite(values, 'medianInterval');
  const n = values.length;
  if (n === 0) throw new RangeError('medianInterval needs at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  const estimate = median(sorted);
  if (n === 1) return { estimate, low: sorted[0], high: sorted[0], confidence: 0, requestedConfidence: confidence, reachesRequested: false, n, method: 'order-statistics' };
  const cdf = halfBinomialCdf(n);
  const coverage = (k: number) => 1 - 2 * cdf[k - 1];
  // Largest k (narrowest interval) that still reaches the target; k = 1 is the whole range.
  let k = 1;
  for (let candidate = Math.floor((n + 1) / 2); candidate >= 1; candidate--) {
    if (coverage(candidate) >= confidence - 1e-12) {
      k = candidate;
      break;
    }
  }
  const achieved = coverage(k);
  return { estimate, low: sorted[k - 1], high: sorted[n - k], confidence: achieved, requestedConfidence: confidence, reachesRequested: achieved >= confidence - 1e-12, n, method: 'order-statistics' };
}

/**
 * One-sided bound for the median: 'lower' says the median lies above the bound, 'upper' below
 * it, each with the returned confidence (the largest k with P(B ≤ k − 1) ≤ 1 − confidence).
 */
export function medianBound(values: readonly number[], side: 'lower' | 'upper', confidence = 0.95): OneSidedBound {
  checkConfidence(confidence);
  checkFinite(values, 'medianBound');
  const n = values.length;
  if (n === 0) throw new RangeError('medianBound needs at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  const cdf = halfBinomialCdf(n);
  let k = 1;
  for (let candidate = n; candidate >= 1; candidate--) {
    if (cdf[candidate - 1] <= 1 - confidence + 1e-12) {
      k = candidate;
      break;
    }
  }
  const achieved = 1 - cdf[k - 1];
  return {
    bound: side === 'lower' ? sorted[k - 1] : sorted[n - k],
    confidence: achieved,
    requestedConfidence: confidence,
    reachesRequested: achieved >= confidence - 1e-12,
  };
}

/**
 * Exact one-sided sign-test p-value of H0 "median = m0" against H1 "median > m0" ('greater')
 * or "median < m0" ('less'). Values equal to m0 count against H1 (conservative).
 */
export function signTestPValue(values: readonly number[], m0: number, alternative: 'greater' | 'less'): number {
  checkFinite(values, 'signTestPValue');
  const n = values.length;
  if (n === 0) return 1;
  const favouring = values.filter((v) => (alternative === 'greater' ? v > m0 : v < m0)).length;
  // P(B ≥ favouring) = P(B ≤ n − favouring) by symmetry.
  return halfBinomialCdf(n)[n - favouring];
}

/** The smallest one-sided p-value n values can give (all on one side): 2^−n. */
export function smallestSignTestPValue(n: number): number {
  return n > 0 ? halfBinomialCdf(n)[0] : 1;
}
