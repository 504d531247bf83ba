/**
 * The exact null distribution of the Mann–Whitney statistic U = #{(i, j) : b_j > a_i} for
 * samples of sizes m and n (no ties), by the recursion of Mann & Whitney (1947):
 * N(m, n, u) = N(m, n − 1, u − m) + N(m − 1, n, u), adding the largest of the m + n values,
 * which is either a b (above all m a's) or an a. Only additions of non-negative numbers, so
 * doubles keep full relative precision in the tails, which is where intervals are read.
 * Above `exactLimit` values per side the normal approximation is used instead.
 */
import { cumulativeStdNormalProbability } from 'simple-statistics';

/** Sides up to this size get the exact distribution (cost m·n·mn; 40 × 40 is ~2.6M additions). */
export const exactLimit = 40;

const cache = new Map<string, Float64Array>();

/** P(U ≤ u) for u = 0..m·n, exact. */
function exactCdf(m: number, n: number): Float64Array {
  const key = m <= n ? `${m},${n}` : `${n},${m}`;
  const cached = cache.get(key);
  if (cached) return cached;
  // U's distribution is the same for (m, n) and (n, m).
  const [small, large] = m <= n ? [m, n] : [n, m];
  // previous[j] = counts for (i − 1, j); current[j] = counts for (i, j).
  let previous: Float64Array[] = Array.from({ length: large + 1 }, () => Float64Array.of(1));
  for (let i = 1; i <= small; i++) {
    const current: Float64Array[] = [Float64Array.of(1)];
    for (let j = 1; j <= large; j++) {
      const counts = new Float64Array(i * j + 1);
      const withB = current[j - 1]; // (i, j − 1): the largest value is a b, adding i
      const withA = previous[j]; // (i − 1, j): the largest value is an a, adding 0
      for (let u = 0; u < withA.length; u++) counts[u] += withA[u];
      for (let u = 0; u < withB.length; u++) counts[u + i] += withB[u];
      current.push(counts);
    }
    previous = current;
  }
  const counts = previous[large];
  let total = 0;
  for (const c of counts) total += c;
  const cdf = new Float64Array(counts.length);
  let sum = 0;
  for (let u = 0; u < counts.length; u++) {
    sum += counts[u];
    cdf[u] = sum / total;
  }
  cache.set(key, cdf);
  return cdf;
}

export interface MannWhitneyNull {
  /** P(U ≤ u); u outside 0..m·n is clamped. */
  cdf(u: number): number;
  exact: boolean;
  m: number;
  n: number;
}

export function mannWhitneyNull(m: number, n: number): MannWhitneyNull {
  if (!(Number.isInteger(m) && Number.isInteger(n) && m > 0 && n > 0)) throw new RangeError(`sample sizes must be positive integers, got ${m} and ${n}`);
  const mn = m * n;
  if (Math.min(m, n) <= exactLimit && Math.max(m, n) <= exactLimit * 2) {
    const table = exactCdf(m, n);
    return { cdf: (u) => (u < 0 ? 0 : u >= mn ? 1 : table[Math.floor(u)]), exact: true, m, n };
  }
  const sd = Math.sqrt((mn * (m + n + 1)) / 12);
  // Continuity-corrected normal approximation (Hollander, Wolfe & Chicken §4.1).
  return { cdf: (u) => (u < 0 ? 0 : u >= mn ? 1 : cumulativeStdNormalProbability((Math.floor(u) + 0.5 - mn / 2) / sd)), exact: false, m, n };
}
