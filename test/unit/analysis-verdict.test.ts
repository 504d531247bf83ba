import { describe, expect, it } from 'vitest';
import { decideVerdict, repetitionsToDecide } from '../../src/analysis/verdict.js';

const base = { higherIsWorse: true, n: 10, unit: 'ms' } as const;

describe('decideVerdict', () => {
  it('calls a regression when the whole interval is beyond the threshold on the worse side', () => {
    const result = decideVerdict({ ...base, deltaLow: 1.2, deltaHigh: 2.8, threshold: 0.5 });
    expect(result).toEqual({ verdict: 'regression', reason: 'CI [+1.2 ms, +2.8 ms] lies entirely above +0.5 ms', repetitionsNeeded: null });
  });

  it('calls an improvement symmetrically', () => {
    expect(decideVerdict({ ...base, deltaLow: -2.8, deltaHigh: -1.2, threshold: 0.5 }).verdict).toBe('improvement');
  });

  it('flips directions when lower is worse', () => {
    const lowerIsWorse = { ...base, higherIsWorse: false, unit: 'req/s' };
    expect(decideVerdict({ ...lowerIsWorse, deltaLow: -300, deltaHigh: -200, threshold: 50 }).verdict).toBe('regression');
    expect(decideVerdict({ ...lowerIsWorse, deltaLow: 200, deltaHigh: 300, threshold: 50 }).verdict).toBe('improvement');
  });

  it('calls no-change when the whole interval is within ±threshold', () => {
    const result = decideVerdict({ ...base, deltaLow: -0.3, deltaHigh: 0.2, threshold: 0.5 });
    expect(result.verdict).toBe('no-change');
    expect(result.reason).toBe('CI [−0.3 ms, +0.2 ms] lies within ±0.5 ms');
  });

  it('is inconclusive when the interval crosses a threshold, and says how many repetitions would decide', () => {
    const result = decideVerdict({ ...base, deltaLow: 0.2, deltaHigh: 1.4, threshold: 0.5 });
    expect(result.verdict).toBe('inconclusive');
    // centre 0.8 is 0.3 from the threshold; width 1.2 must shrink to 0.6: n × 2² = 40.
    expect(result.repetitionsNeeded).toBe(40);
    expect(result.reason).toBe('CI [+0.2 ms, +1.4 ms] crosses +0.5 ms; roughly 40 repetitions (30 more) would likely decide');
  });

  it('treats an interval that merely touches the threshold as not beyond it', () => {
    expect(decideVerdict({ ...base, deltaLow: 0.5, deltaHigh: 1, threshold: 0.5 }).verdict).toBe('inconclusive');
    expect(decideVerdict({ ...base, deltaLow: -0.5, deltaHigh: 0.5, threshold: 0.5 }).verdict).toBe('no-change');
  });

  it('with threshold 0 decides on whether the interval excludes 0', () => {
    expect(decideVerdict({ ...base, deltaLow: 0.01, deltaHigh: 0.2, threshold: 0 }).verdict).toBe('regression');
    expect(decideVerdict({ ...base, deltaLow: -0.2, deltaHigh: -0.01, threshold: 0 }).verdict).toBe('improvement');
    const straddling = decideVerdict({ ...base, deltaLow: -0.2, deltaHigh: 1.4, threshold: 0 });
    expect(straddling.verdict).toBe('inconclusive');
    expect(straddling.reason).toMatch(/crosses 0 ms/);
    expect(decideVerdict({ ...base, deltaLow: 0, deltaHigh: 0, threshold: 0 }).verdict).toBe('no-change');
  });

  it('is always inconclusive with fewer than 3 repetitions, even for a clear interval', () => {
    const result = decideVerdict({ ...base, n: 2, deltaLow: 1.9, deltaHigh: 2.3, threshold: 0.5 });
    expect(result.verdict).toBe('inconclusive');
    expect(result.reason).toMatch(/^only 2 repetitions, at least 3 needed/);
    expect(result.repetitionsNeeded).toBeGreaterThanOrEqual(3);
    const single = decideVerdict({ ...base, n: 1, deltaLow: 2, deltaHigh: 2, threshold: 0.5 });
    expect(single.verdict).toBe('inconclusive');
    expect(single.repetitionsNeeded).toBeNull();
    expect(single.reason).toMatch(/no spread yet/);
  });

  it('rejects malformed input', () => {
    expect(() => decideVerdict({ ...base, deltaLow: 2, deltaHigh: 1, threshold: 0 })).toThrow(RangeError);
    expect(() => decideVerdict({ ...base, deltaLow: 0, deltaHigh: 1, threshold: -1 })).toThrow(RangeError);
    expect(() => decideVerdict({ ...base, deltaLow: Number.NaN, deltaHigh: 1, threshold: 0 })).toThrow(RangeError);
  });
});

describe('repetitionsToDecide', () => {
  it('scales with the square of the width, as a 1/√n interval does', () => {
    // Without a centre: how many to show "no change" within ±1 with an interval 4 wide at n=10.
    expect(repetitionsToDecide(4, 10, 1)).toBe(40);
    expect(repetitionsToDecide(8, 10, 1)).toBe(160);
  });

  it('uses the distance from the centre to the nearest threshold', () => {
    expect(repetitionsToDecide(2, 10, 1, 3)).toBe(3); // already far enough: the floor of 3
    expect(repetitionsToDecide(2, 10, 1, 1.5)).toBe(40);
    expect(repetitionsToDecide(2, 10, 1, -1.5)).toBe(40);
  });

  it('gives no estimate when the centre sits on a threshold', () => {
    expect(repetitionsToDecide(2, 10, 1, 1)).toBeNull();
    expect(repetitionsToDecide(2, 10, 0)).toBeNull();
  });
});
