import { describe, expect, it } from 'vitest';
import { halfBinomialCdf, medianBound, medianInterval, signTestPValue } from '../../src/analysis/exact/sign-interval.js';
import { mannWhitneyNull } from '../../src/analysis/exact/mann-whitney.js';
import { hodgesLehmannShift, shiftBound, shiftInterval, shiftTestPValue } from '../../src/analysis/exact/moses-interval.js';
import { benjaminiHochbergAdjust, holmAdjust } from '../../src/analysis/multiplicity.js';

// Known answers from the tables in Hollander, Wolfe & Chicken (3rd ed.), and by hand.
describe('order-statistic interval for a median', () => {
  it('reaches exactly 1 − 2·P(B ≤ k − 1): 75% at 3, 93.75% at 5, 96.9% at 6, 97.9% at 10', () => {
    const at = (n: number) => medianInterval(Array.from({ length: n }, (_, i) => i + 1), 0.95);
    expect(at(3)).toMatchObject({ low: 1, high: 3, reachesRequested: false });
    expect(at(3).confidence).toBeCloseTo(0.75, 12);
    expect(at(5).confidence).toBeCloseTo(0.9375, 12);
    expect(at(6)).toMatchObject({ low: 1, high: 6, reachesRequested: true });
    expect(at(6).confidence).toBeCloseTo(1 - 2 / 64, 12);
    // n = 10: k = 2 gives 1 − 2·11/1024.
    expect(at(10)).toMatchObject({ low: 2, high: 9 });
    expect(at(10).confidence).toBeCloseTo(1 - 22 / 1024, 12);
  });
  it('one value has no interval (confidence 0); the estimate is the median', () => {
    expect(medianInterval([4.2])).toMatchObject({ estimate: 4.2, low: 4.2, high: 4.2, confidence: 0 });
    expect(medianInterval([3, 1, 2, 10]).estimate).toBe(2.5);
  });
  it('one-sided bounds and sign-test p-values are duals', () => {
    const values = [0.8, 1.1, 1.3, 1.4, 1.6, 1.9, 2.2, 2.5, 2.6, 3.0];
    const lower = medianBound(values, 'lower', 0.95);
    // P(B ≤ 1) = 11/1024 ≤ 0.05 < P(B ≤ 2) = 56/1024: the 2nd smallest.
    expect(lower).toMatchObject({ bound: 1.1 });
    expect(lower.confidence).toBeCloseTo(1 - 11 / 1024, 12);
    expect(signTestPValue(values, 1.05, 'greater')).toBeLessThanOrEqual(0.05);
    expect(signTestPValue(values, 1.15, 'greater')).toBeGreaterThan(0.05);
    expect(signTestPValue([1, 2, 3], 0, 'greater')).toBeCloseTo(1 / 8, 12);
  });
  it('the binomial table is exact and symmetric', () => {
    const cdf = halfBinomialCdf(6);
    expect(Array.from(cdf).map((p) => Math.round(p * 64))).toEqual([1, 7, 22, 42, 57, 63, 64]);
  });
});

describe('Mann–Whitney null and Moses interval', () => {
  it('matches the published critical values (m = n = 6: P(U ≤ 7) = 0.0465; 10/10: P(U ≤ 23) = 0.0216)', () => {
    expect(mannWhitneyNull(6, 6).cdf(7)).toBeCloseTo(43 / 924, 12);
    expect(mannWhitneyNull(3, 3).cdf(0)).toBeCloseTo(1 / 20, 12);
    expect(mannWhitneyNull(10, 10).cdf(23)).toBeCloseTo(0.02163, 4);
    expect(mannWhitneyNull(4, 7).cdf(3)).toBeCloseTo(mannWhitneyNull(7, 4).cdf(3), 12);
  });
  it('Moses: [D(k), D(mn+1−k)] of the pairwise differences, HL estimate their median', () => {
    const a = [1, 2, 3, 4, 5, 6];
    const b = a.map((x) => x + 10);
    const ci = shiftInterval(a, b, 0.9);
    expect(ci.estimate).toBe(10);
    // 90%: P(U ≤ 7) = 0.0465 ≤ 0.05 → k = 8; the 8th smallest of b_j − a_i is 8.
    expect([ci.low, ci.high]).toEqual([8, 12]);
    expect(ci.confidence).toBeCloseTo(1 - (2 * 43) / 924, 12);
    expect(hodgesLehmannShift([1, 2], [5])).toBe(3.5);
    expect(shiftBound(a, b, 'lower', 0.95).bound).toBe(8);
    expect(shiftTestPValue([1, 2, 3], [4, 5, 6], 0, 'greater')).toBeCloseTo(1 / 20, 12);
  });
  it('uses the normal approximation beyond the exact limit, and says so', () => {
    const a = Array.from({ length: 100 }, (_, i) => i);
    expect(shiftInterval(a, a.map((x) => x + 5)).method).toBe('moses-normal');
  });
});

describe('multiplicity', () => {
  it('Holm: step-down Bonferroni, monotone', () => {
    expect(holmAdjust([0.01, 0.04, 0.03])).toEqual([0.03, 0.06, 0.06]);
  });
  it('Benjamini–Hochberg: step-up, monotone', () => {
    const q = benjaminiHochbergAdjust([0.01, 0.04, 0.03, 0.5]);
    expect(q.map((x) => Math.round(x * 1e6) / 1e6)).toEqual([0.04, 0.053333, 0.053333, 0.5]);
  });
});
