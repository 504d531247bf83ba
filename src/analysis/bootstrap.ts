import { createRng } from './random.js';

/**
 * Percentile bootstrap, chosen over BCa on purpose: meshbench's samples are repetitions, usually
 * 5 to 30. BCa's two corrections are themselves estimated from that sample (acceleration from a
 * jackknife of n points, bias from the share of resamples below the estimate), and for a median
 * of ~10 values the bootstrap distribution has only a handful of distinct values, so those
 * corrections are noisy and can jump between seeds. The percentile interval is stable,
 * transformation-respecting and easy to explain in a report. Its known cost is slight
 * under-coverage at small n; the verdict compensates by refusing to decide below 3 repetitions
 * and by saying how many more would settle an inconclusive case.
 */

export interface BootstrapOptions {
  /** Number of resamples; at least 10,000 so the interval's ends do not move with the seed. */
  resamples?: number;
  /** Two-sided confidence level in (0, 1). */
  confidence?: number;
  /** Seed of the resampling RNG; the same seed gives the same interval. */
  seed?: number;
}

export interface ConfidenceInterval {
  /** The statistic on the observed sample. */
  estimate: number;
  low: number;
  high: number;
}

/**
 * A statistic of one resample. The array is a scratch buffer reused for every resample, so the
 * statistic may reorder it in place (sorting for a median is fine) but must not keep it.
 */
export type Statistic = (sample: Float64Array) => number;

export const minimumResamples = 10_000;
export const defaultBootstrap = { resamples: minimumResamples, confidence: 0.95, seed: 0 } as const;

/** Median; sorts the buffer in place. */
export function medianInPlace(sample: Float64Array): number {
  const n = sample.length;
  if (n === 0) return Number.NaN;
  // Insertion sort beats the built-in sort's call overhead at repetition counts (it runs 10,000
  // times per interval); typed arrays sort numerically for the rest.
  if (n <= 64) insertionSort(sample);
  else sample.sort();
  const middle = n >> 1;
  return n % 2 === 1 ? sample[middle] : (sample[middle - 1] + sample[middle]) / 2;
}

export function meanOf(sample: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < sample.length; i++) sum += sample[i];
  return sum / sample.length;
}

/** Percentile bootstrap interval of `statistic` over `values`. */
export function bootstrapCi(values: readonly number[], statistic: Statistic, options: BootstrapOptions = {}): ConfidenceInterval {
  const { resamples, confidence, seed } = resolveOptions(options);
  const n = values.length;
  if (n === 0) throw new RangeError('bootstrap needs at least one value');
  for (const value of values) {
    if (!Number.isFinite(value)) throw new RangeError(`bootstrap values must be finite, got ${value}`);
  }
  const original = Float64Array.from(values);
  const estimate = statistic(Float64Array.from(original));

  // Two buffers for the whole run instead of an array per resample: 10,000 resamples stay in the
  // millisecond range.
  const random = createRng(seed);
  const scratch = new Float64Array(n);
  const statistics = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) scratch[i] = original[Math.floor(random() * n)];
    statistics[r] = statistic(scratch);
  }
  statistics.sort();
  const tail = (1 - confidence) / 2;
  return { estimate, low: quantileOfSorted(statistics, tail), high: quantileOfSorted(statistics, 1 - tail) };
}

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

/** Median of the paired differences with its percentile bootstrap interval (pairs are resampled whole). */
export function medianDifferenceCi(pairs: readonly Pick<Pair, 'difference'>[], options: BootstrapOptions = {}): ConfidenceInterval {
  return bootstrapCi(
    pairs.map((pair) => pair.difference),
    medianInPlace,
    options,
  );
}

export function resolveOptions(options: BootstrapOptions): Required<BootstrapOptions> {
  const resamples = options.resamples ?? defaultBootstrap.resamples;
  const confidence = options.confidence ?? defaultBootstrap.confidence;
  const seed = options.seed ?? defaultBootstrap.seed;
  if (!Number.isInteger(resamples) || resamples < minimumResamples) {
    throw new RangeError(`resamples must be an integer of at least ${minimumResamples}, got ${resamples}`);
  }
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  return { resamples, confidence, seed };
}

/** Linear interpolation between order statistics (type 7, as numpy and simple-statistics' quantileSorted). */
function quantileOfSorted(sorted: Float64Array, p: number): number {
  const position = (sorted.length - 1) * p;
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower]);
}

function insertionSort(values: Float64Array): void {
  for (let i = 1; i < values.length; i++) {
    const value = values[i];
    let j = i - 1;
    while (j >= 0 && values[j] > value) {
      values[j + 1] = values[j];
      j--;
    }
    values[j + 1] = value;
  }
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

/**
 * Percentile bootstrap interval of statistic(b) − statistic(a) for two independent samples
 * (e.g. the same figure from two runs, whose repetitions are not paired): each sample is
 * resampled on its own.
 */
export function bootstrapTwoSampleCi(a: readonly number[], b: readonly number[], statistic: Statistic, options: BootstrapOptions = {}): ConfidenceInterval {
  return bootstrapTwoSampleJointCi(a, b, (sampleA, sampleB) => statistic(sampleB) - statistic(sampleA), options);
}

/**
 * A statistic of two resamples at once (such as a shift between them). Both arrays are scratch
 * buffers reused for every resample: it may reorder them but must not keep them.
 */
export type TwoSampleStatistic = (a: Float64Array, b: Float64Array) => number;

/** Percentile bootstrap interval of statistic(a, b), each sample resampled on its own. */
export function bootstrapTwoSampleJointCi(a: readonly number[], b: readonly number[], statistic: TwoSampleStatistic, options: BootstrapOptions = {}): ConfidenceInterval {
  const { resamples, confidence, seed } = resolveOptions(options);
  if (a.length === 0 || b.length === 0) throw new RangeError('two-sample bootstrap needs values on both sides');
  for (const value of [...a, ...b]) if (!Number.isFinite(value)) throw new RangeError(`bootstrap values must be finite, got ${value}`);
  const originalA = Float64Array.from(a);
  const originalB = Float64Array.from(b);
  const estimate = statistic(Float64Array.from(originalA), Float64Array.from(originalB));
  const random = createRng(seed);
  const scratchA = new Float64Array(a.length);
  const scratchB = new Float64Array(b.length);
  const statistics = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < a.length; i++) scratchA[i] = originalA[Math.floor(random() * a.length)];
    for (let i = 0; i < b.length; i++) scratchB[i] = originalB[Math.floor(random() * b.length)];
    statistics[r] = statistic(scratchA, scratchB);
  }
  statistics.sort();
  const tail = (1 - confidence) / 2;
  return { estimate, low: quantileOfSorted(statistics, tail), high: quantileOfSorted(statistics, 1 - tail) };
}
