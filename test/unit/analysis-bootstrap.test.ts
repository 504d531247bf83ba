import { describe, expect, it } from 'vitest';
import {
  bootstrapCi,
  meanOf,
  medianDifferenceCi,
  medianInPlace,
  pairedDifferences,
} from '../../src/analysis/bootstrap.js';
import { createRng, normalSample } from '../../src/analysis/random.js';

const noisy = (seed: number, n: number, mean: number, sd: number): number[] => {
  const random = createRng(seed);
  return Array.from({ length: n }, () => normalSample(random, mean, sd));
};

describe('bootstrapCi', () => {
  it('is deterministic for a seed and moves with the seed', () => {
    const values = noisy(1, 10, 5, 1);
    const a = bootstrapCi(values, medianInPlace, { seed: 99 });
    const b = bootstrapCi(values, medianInPlace, { seed: 99 });
    const c = bootstrapCi(values, meanOf, { seed: 100 });
    const d = bootstrapCi(values, meanOf, { seed: 99 });
    expect(b).toEqual(a);
    expect(c).not.toEqual(d);
  });

  it('reports the statistic of the observed sample as the estimate, inside the interval', () => {
    const values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];
    const ci = bootstrapCi(values, medianInPlace, { seed: 1 });
    expect(ci.estimate).toBe(3.5);
    expect(ci.low).toBeLessThanOrEqual(ci.estimate);
    expect(ci.high).toBeGreaterThanOrEqual(ci.estimate);
    expect(values).toEqual([3, 1, 4, 1, 5, 9, 2, 6, 5, 3]); // input untouched
  });

  it('covers the true mean at about the nominal rate', () => {
    // 200 synthetic samples of 20 from N(10, 2): a 95% interval should cover 10 in ~190 of them;
    // the percentile bootstrap runs a little short at small n, hence the looser bound.
    let covered = 0;
    for (let trial = 0; trial < 200; trial++) {
      const ci = bootstrapCi(noisy(1000 + trial, 20, 10, 2), meanOf, { seed: trial });
      if (ci.low <= 10 && 10 <= ci.high) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(170);
    expect(covered).toBeLessThanOrEqual(200);
  });

  it('narrows with a lower confidence level', () => {
    const values = noisy(2, 15, 0, 1);
    const wide = bootstrapCi(values, medianInPlace, { seed: 1, confidence: 0.99 });
    const narrow = bootstrapCi(values, medianInPlace, { seed: 1, confidence: 0.8 });
    expect(narrow.high - narrow.low).toBeLessThan(wide.high - wide.low);
  });

  it('collapses to the value for a single observation', () => {
    expect(bootstrapCi([7], medianInPlace)).toEqual({ estimate: 7, low: 7, high: 7 });
  });

  it('rejects too few resamples, bad confidence, empty and non-finite input', () => {
    expect(() => bootstrapCi([1, 2], medianInPlace, { resamples: 9_999 })).toThrow(/at least 10000/);
    expect(() => bootstrapCi([1, 2], medianInPlace, { confidence: 1 })).toThrow(RangeError);
    expect(() => bootstrapCi([], medianInPlace)).toThrow(RangeError);
    expect(() => bootstrapCi([1, Number.NaN], medianInPlace)).toThrow(RangeError);
  });
});

describe('pairedDifferences', () => {
  it('pairs by repetition regardless of order', () => {
    const { pairs, unpairedRepetitions } = pairedDifferences(
      [
        { repetition: 2, value: 12 },
        { repetition: 1, value: 11 },
      ],
      [
        { repetition: 1, value: 10 },
        { repetition: 2, value: 9 },
      ],
    );
    expect(pairs).toEqual([
      { repetition: 1, variant: 11, baseline: 10, difference: 1 },
      { repetition: 2, variant: 12, baseline: 9, difference: 3 },
    ]);
    expect(unpairedRepetitions).toEqual([]);
  });

  it('reports unpaired repetitions on either side instead of dropping them', () => {
    const { pairs, unpairedRepetitions } = pairedDifferences(
      [
        { repetition: 0, value: 5 },
        { repetition: 1, value: 5 },
        { repetition: 3, value: 5 },
      ],
      [
        { repetition: 0, value: 4 },
        { repetition: 1, value: 4 },
        { repetition: 2, value: 4 },
      ],
    );
    expect(pairs.map((p) => p.repetition)).toEqual([0, 1]);
    expect(unpairedRepetitions).toEqual([
      { repetition: 2, presentIn: 'baseline' },
      { repetition: 3, presentIn: 'variant' },
    ]);
  });

  it('refuses a repetition that appears twice on one side', () => {
    expect(() =>
      pairedDifferences(
        [
          { repetition: 1, value: 1 },
          { repetition: 1, value: 2 },
        ],
        [{ repetition: 1, value: 1 }],
      ),
    ).toThrow(/more than once on the variant side/);
  });
});

describe('medianDifferenceCi', () => {
  it('finds a known paired shift despite drift larger than the shift', () => {
    // Drift of sd 3 ms between repetitions would swamp a 2 ms shift in unpaired data; pairing
    // cancels it, leaving only the within-repetition noise.
    const random = createRng(21);
    const baseline = [];
    const variant = [];
    for (let repetition = 0; repetition < 10; repetition++) {
      const driftMs = normalSample(random, 0, 3);
      baseline.push({ repetition, value: 10 + driftMs + normalSample(random, 0, 0.4) });
      variant.push({ repetition, value: 12 + driftMs + normalSample(random, 0, 0.4) });
    }
    const ci = medianDifferenceCi(pairedDifferences(variant, baseline).pairs, { seed: 1 });
    expect(ci.low).toBeLessThanOrEqual(2);
    expect(ci.high).toBeGreaterThanOrEqual(2);
    expect(ci.low).toBeGreaterThan(0.5);
  });
});
