import { describe, expect, it } from 'vitest';
import {
  decodeHistogram,
  encodeHistogram,
  histogramFromValuesUs,
  mergeEncodedHistograms,
  percentilesMs,
} from '../../src/analysis/histograms.js';
import { createRng } from '../../src/analysis/random.js';

/** HDR's definition: the smallest recorded value with at least p% of values at or below it. */
function exactPercentile(sorted: number[], percentile: number): number {
  const rank = Math.max(1, Math.ceil((percentile / 100) * sorted.length));
  return sorted[rank - 1];
}

/** 3 significant digits: a bucket is at most 1/1024 of its value wide. */
function expectWithinHdrPrecision(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected / 1024 + 1e-9);
}

describe('histograms', () => {
  it('round-trips through the encoded form', () => {
    const histogram = histogramFromValuesUs([100, 200, 300, 5_000]);
    const decoded = decodeHistogram(encodeHistogram(histogram));
    expect(percentilesMs(decoded)).toEqual(percentilesMs(histogram));
  });

  it('merged percentiles equal the percentiles of the pooled raw values', () => {
    const random = createRng(5);
    // Three trials with different spreads and sizes, log-normal-ish like real latencies.
    const trials = [
      { n: 4_000, medianUs: 800, spread: 0.4 },
      { n: 1_500, medianUs: 1_200, spread: 0.8 },
      { n: 6_000, medianUs: 650, spread: 0.3 },
    ].map(({ n, medianUs, spread }) =>
      Array.from({ length: n }, () => Math.round(medianUs * Math.exp(spread * (random() + random() + random() - 1.5) * 2))),
    );
    const merged = mergeEncodedHistograms(trials.map((values) => encodeHistogram(histogramFromValuesUs(values))));
    const pooled = trials.flat().sort((a, b) => a - b);
    const figures = percentilesMs(merged);

    expect(figures.count).toBe(pooled.length);
    expectWithinHdrPrecision(figures.latencyP50Ms * 1000, exactPercentile(pooled, 50));
    expectWithinHdrPrecision(figures.latencyP90Ms * 1000, exactPercentile(pooled, 90));
    expectWithinHdrPrecision(figures.latencyP99Ms * 1000, exactPercentile(pooled, 99));
    expectWithinHdrPrecision(figures.latencyP999Ms * 1000, exactPercentile(pooled, 99.9));
    expectWithinHdrPrecision(figures.latencyP9999Ms * 1000, exactPercentile(pooled, 99.99));
    expectWithinHdrPrecision(figures.latencyMaxMs * 1000, pooled[pooled.length - 1]);
    const mean = pooled.reduce((s, x) => s + x, 0) / pooled.length;
    expectWithinHdrPrecision(figures.latencyMeanMs * 1000, mean);
  });

  it('differs from the average of per-trial percentiles when trials differ in size', () => {
    // A long fast trial and a short slow one: 100 of 10,100 requests (under 1%) are slow, so the
    // pooled p99 is fast, while averaging the two trials' p99s lands halfway to the slow one.
    const fast = histogramFromValuesUs(Array.from({ length: 10_000 }, () => 1_000));
    const slow = histogramFromValuesUs(Array.from({ length: 100 }, () => 50_000));
    const merged = percentilesMs(mergeEncodedHistograms([encodeHistogram(fast), encodeHistogram(slow)]));
    const averagedP99Ms = (percentilesMs(fast).latencyP99Ms + percentilesMs(slow).latencyP99Ms) / 2;

    expectWithinHdrPrecision(merged.latencyP99Ms, 1);
    expectWithinHdrPrecision(averagedP99Ms, 25.5);
    expectWithinHdrPrecision(merged.latencyP9999Ms, 50);
    expect(merged.count).toBe(10_100);
  });

  it('merges nothing into an empty histogram and refuses its percentiles', () => {
    const empty = mergeEncodedHistograms([]);
    expect(empty.totalCount).toBe(0);
    expect(() => percentilesMs(empty)).toThrow(RangeError);
  });

  it('keeps latencies beyond the nominal range instead of throwing', () => {
    const merged = mergeEncodedHistograms([encodeHistogram(histogramFromValuesUs([500, 90_000_000]))]);
    expectWithinHdrPrecision(percentilesMs(merged).latencyMaxMs, 90_000);
  });
});
