import { describe, expect, it } from 'vitest';
import { bootstrapTwoSampleCi, medianInPlace } from '../../src/analysis/bootstrap.js';
import { createRng, normalSample } from '../../src/analysis/random.js';
import { bootstrapShiftCi, hodgesLehmannShift } from '../../src/analysis/shift.js';

describe('Hodges–Lehmann shift', () => {
  it('is the median of every pairwise difference', () => {
    // b − a over all pairs: −1, 0, 0, 1, 1, 1, 2, 2, 3 → 1
    expect(hodgesLehmannShift([1, 2, 3], [2, 3, 4])).toBe(1);
    // Four differences (even count): 8, 9, 9, 10 → 9
    expect(hodgesLehmannShift([1, 2], [10, 11])).toBe(9);
    expect(hodgesLehmannShift([5], [5])).toBe(0);
  });

  it('shrugs off one wild repetition, where the mean would not', () => {
    const a = [10, 10.2, 9.9, 10.1, 9.8];
    const b = [12, 12.1, 11.9, 12.2, 40];
    expect(hodgesLehmannShift(a, b)).toBeCloseTo(2.05, 1);
  });

  it('finds a known shift with the interval covering it, and identical samples with an interval covering 0', () => {
    const random = createRng(3);
    const sample = (mean: number) => Array.from({ length: 6 }, () => normalSample(random, mean, 0.1));
    const shifted = bootstrapShiftCi(sample(1), sample(1.5));
    expect(shifted.low).toBeLessThan(0.5);
    expect(shifted.high).toBeGreaterThan(0.5);
    expect(shifted.low).toBeGreaterThan(0);
    const same = bootstrapShiftCi(sample(1), sample(1));
    expect(same.low).toBeLessThan(0);
    expect(same.high).toBeGreaterThan(0);
  });

  it('gives a narrower interval than the difference of medians at five repetitions', () => {
    // Why the gate uses it: the median of a 5-value resample can only be one of the 5 values.
    const random = createRng(11);
    let narrower = 0;
    for (let k = 0; k < 20; k++) {
      const a = Array.from({ length: 5 }, () => normalSample(random, 1, 0.1));
      const b = Array.from({ length: 5 }, () => normalSample(random, 1, 0.1));
      const shift = bootstrapShiftCi(a, b, { seed: k });
      const medians = bootstrapTwoSampleCi(a, b, medianInPlace, { seed: k });
      if (shift.high - shift.low < medians.high - medians.low) narrower++;
    }
    expect(narrower).toBeGreaterThanOrEqual(16);
  });

  it('is reproducible by seed and refuses empty or non-finite samples', () => {
    expect(bootstrapShiftCi([1, 2, 3], [2, 4, 5], { seed: 4 })).toEqual(bootstrapShiftCi([1, 2, 3], [2, 4, 5], { seed: 4 }));
    expect(() => bootstrapShiftCi([], [1])).toThrow(RangeError);
    expect(() => bootstrapShiftCi([1, Number.NaN], [1])).toThrow(/finite/);
  });
});
