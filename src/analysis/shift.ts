/**
 * How far one sample sits from another: the Hodges–Lehmann shift, the median of all pairwise
 * differences b_j − a_i, with a two-sample percentile bootstrap interval.
 *
 * Used where two independent samples of repetitions are compared (two runs in the gate, two
 * tiers in the contrast). With 3 to 10 repetitions per side the difference of the two medians
 * is a poor statistic: each resampled median can only be one of the few observed values, so
 * its bootstrap interval is nearly the range of the data. The Hodges–Lehmann estimate uses
 * all n·m differences, is as robust as a median against one wild repetition (breakdown ~29%),
 * about 95% as efficient as the mean on normal data, and its bootstrap distribution is smooth,
 * so intervals are narrower for the same data without assuming normality.
 */
import * as ss from 'simple-statistics';
import { bootstrapTwoSampleJointCi, type BootstrapOptions, type ConfidenceInterval } from './bootstrap.js';

/** Median of b_j − a_i over all pairs. */
export function hodgesLehmannShift(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) throw new RangeError('a shift needs values on both sides');
  return shiftInto(Float64Array.from(a), Float64Array.from(b), new Float64Array(a.length * b.length));
}

/** Percentile bootstrap interval of the Hodges–Lehmann shift of b over a; each sample is resampled on its own. */
export function bootstrapShiftCi(a: readonly number[], b: readonly number[], options: BootstrapOptions = {}): ConfidenceInterval {
  // One buffer for the n·m differences, reused by every resample.
  const differences = new Float64Array(a.length * b.length);
  return bootstrapTwoSampleJointCi(a, b, (sampleA, sampleB) => shiftInto(sampleA, sampleB, differences), options);
}

/** Fills `differences` with every b_j − a_i and returns their median (selection: linear, not n·m·log). */
function shiftInto(a: Float64Array, b: Float64Array, differences: Float64Array): number {
  let k = 0;
  for (let j = 0; j < b.length; j++) for (let i = 0; i < a.length; i++) differences[k++] = b[j] - a[i];
  const n = differences.length;
  // simple-statistics' Floyd–Rivest select only swaps by index, so a typed array is fine.
  ss.quickselect(differences as unknown as number[], n >> 1);
  const upper = differences[n >> 1];
  if (n % 2 === 1) return upper;
  // After selecting the upper middle, the lower middle is the largest value left of it.
  let lower = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (differences[i] > lower) lower = differences[i];
  return (lower + upper) / 2;
}
