import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/analysis/bootstrap.js';
import { computeOverhead } from '../../src/analysis/overhead.js';
import { createRng, normalSample } from '../../src/analysis/random.js';
import { decideVerdict } from '../../src/analysis/verdict.js';

/**
 * A synthetic run: per repetition a drift shared by both variants (what interleaving buys), plus
 * independent per-trial noise, plus a known shift on the variant.
 */
function syntheticRun(options: { seed: number; repetitions: number; baseMs: number; shiftMs: number; driftSdMs: number; noiseSdMs: number }) {
  const random = createRng(options.seed);
  const baselineTrials: Observation[] = [];
  const variantTrials: Observation[] = [];
  for (let repetition = 0; repetition < options.repetitions; repetition++) {
    const driftMs = normalSample(random, 0, options.driftSdMs);
    baselineTrials.push({ repetition, value: options.baseMs + driftMs + normalSample(random, 0, options.noiseSdMs) });
    variantTrials.push({ repetition, value: options.baseMs + options.shiftMs + driftMs + normalSample(random, 0, options.noiseSdMs) });
  }
  return { baselineTrials, variantTrials };
}

describe('computeOverhead', () => {
  it('finds a known +2.0 ms shift on a noisy base in 10 repetitions and calls it a regression', () => {
    const run = syntheticRun({ seed: 1, repetitions: 10, baseMs: 20, shiftMs: 2, driftSdMs: 2, noiseSdMs: 0.5 });
    const overhead = computeOverhead({ ...run, metric: 'latencyP99Ms', bootstrap: { seed: 7 } });

    expect(overhead.unit).toBe('ms');
    expect(overhead.pairs).toBe(10);
    expect(overhead.deltaLow).toBeLessThanOrEqual(2);
    expect(overhead.deltaHigh).toBeGreaterThanOrEqual(2);
    expect(overhead.deltaMedian).toBeGreaterThan(1.5);
    expect(overhead.deltaMedian).toBeLessThan(2.5);
    // 2 ms on ~20 ms is ~10%.
    expect(overhead.relativeLowPct!).toBeLessThanOrEqual(10);
    expect(overhead.relativeHighPct!).toBeGreaterThanOrEqual(10);

    const verdict = decideVerdict({
      deltaLow: overhead.deltaLow,
      deltaHigh: overhead.deltaHigh,
      threshold: 0.5,
      higherIsWorse: overhead.higherIsWorse,
      n: overhead.pairs,
      unit: overhead.unit,
    });
    expect(verdict.verdict).toBe('regression');
    expect(verdict.reason).toMatch(/entirely above \+0\.5 ms/);
  });

  it('covers the true shift in most of many synthetic runs', () => {
    let covered = 0;
    let regressions = 0;
    const runs = 100;
    for (let seed = 0; seed < runs; seed++) {
      const run = syntheticRun({ seed: 500 + seed, repetitions: 10, baseMs: 20, shiftMs: 2, driftSdMs: 2, noiseSdMs: 0.5 });
      const overhead = computeOverhead({ ...run, metric: 'latencyP99Ms', bootstrap: { seed } });
      if (overhead.deltaLow <= 2 && 2 <= overhead.deltaHigh) covered++;
      if (decideVerdict({ ...overhead, threshold: 0.5, n: overhead.pairs }).verdict === 'regression') regressions++;
    }
    expect(covered).toBeGreaterThanOrEqual(85);
    expect(regressions).toBeGreaterThanOrEqual(95);
  });

  it('gives no-change for identical distributions with enough repetitions', () => {
    const run = syntheticRun({ seed: 2, repetitions: 30, baseMs: 20, shiftMs: 0, driftSdMs: 2, noiseSdMs: 0.5 });
    const overhead = computeOverhead({ ...run, metric: 'latencyP50Ms', bootstrap: { seed: 3 } });
    const verdict = decideVerdict({ ...overhead, threshold: 0.5, n: overhead.pairs });
    expect(verdict.verdict).toBe('no-change');
    expect(overhead.deltaLow).toBeLessThanOrEqual(0);
    expect(overhead.deltaHigh).toBeGreaterThanOrEqual(0);
  });

  it('gives inconclusive with a repetitions estimate for a tiny sample', () => {
    const run = syntheticRun({ seed: 3, repetitions: 2, baseMs: 20, shiftMs: 2, driftSdMs: 2, noiseSdMs: 0.5 });
    const overhead = computeOverhead({ ...run, metric: 'latencyP99Ms', bootstrap: { seed: 3 } });
    expect(overhead.pairs).toBe(2);
    const verdict = decideVerdict({ ...overhead, threshold: 0.5, n: overhead.pairs });
    expect(verdict.verdict).toBe('inconclusive');
    expect(verdict.repetitionsNeeded).toBeGreaterThanOrEqual(3);
    expect(verdict.reason).toMatch(/only 2 repetitions/);
  });

  it('treats lower throughput as the worse direction', () => {
    const random = createRng(4);
    const baselineTrials = Array.from({ length: 10 }, (_, repetition) => ({ repetition, value: 5_000 + normalSample(random, 0, 50) }));
    const variantTrials = baselineTrials.map(({ repetition, value }) => ({ repetition, value: value * 0.8 + normalSample(random, 0, 20) }));
    const overhead = computeOverhead({ variantTrials, baselineTrials, metric: 'achievedRps' });
    expect(overhead.higherIsWorse).toBe(false);
    expect(overhead.relativeLowPct!).toBeLessThanOrEqual(-20);
    expect(overhead.relativeHighPct!).toBeGreaterThanOrEqual(-20);
    const verdict = decideVerdict({
      deltaLow: overhead.relativeLowPct!,
      deltaHigh: overhead.relativeHighPct!,
      threshold: 5,
      higherIsWorse: overhead.higherIsWorse,
      n: overhead.pairs,
      unit: '%',
    });
    expect(verdict.verdict).toBe('regression');
    expect(verdict.reason).toMatch(/entirely below −5%/);
  });

  it('leaves relative overhead empty when the baseline has none of the metric', () => {
    const baselineTrials = [0, 1, 2].map((repetition) => ({ repetition, value: 0 }));
    const variantTrials = [0, 1, 2].map((repetition) => ({ repetition, value: 40 + repetition }));
    const overhead = computeOverhead({ variantTrials, baselineTrials, metric: 'proxyCpuMsPer1kRequests' });
    expect(overhead.deltaMedian).toBe(41);
    expect(overhead.relativePct).toBeNull();
    expect(overhead.relativeLowPct).toBeNull();
  });

  it('reports unpaired repetitions and computes on the pairs', () => {
    const overhead = computeOverhead({
      variantTrials: [0, 1, 2, 3].map((repetition) => ({ repetition, value: 11 })),
      baselineTrials: [0, 1, 2].map((repetition) => ({ repetition, value: 10 })),
      metric: 'latencyP50Ms',
    });
    expect(overhead.pairs).toBe(3);
    expect(overhead.unpairedRepetitions).toEqual([{ repetition: 3, presentIn: 'variant' }]);
    expect(overhead.deltaMedian).toBe(1);
    expect(overhead.relativePct).toBeCloseTo(10);
  });

  it('needs a unit and direction for metrics outside the catalogue, and at least one pair', () => {
    const trials = [{ repetition: 0, value: 1 }];
    expect(() => computeOverhead({ variantTrials: trials, baselineTrials: trials, metric: 'queueDepth' })).toThrow(/not in the catalogue/);
    expect(computeOverhead({ variantTrials: trials, baselineTrials: trials, metric: 'queueDepth', unit: 'req', higherIsWorse: true }).unit).toBe('req');
    expect(() =>
      computeOverhead({ variantTrials: trials, baselineTrials: [{ repetition: 1, value: 1 }], metric: 'latencyP50Ms' }),
    ).toThrow(/no repetition/);
  });

  it('is deterministic for a seed', () => {
    const run = syntheticRun({ seed: 9, repetitions: 8, baseMs: 20, shiftMs: 1, driftSdMs: 2, noiseSdMs: 0.5 });
    const a = computeOverhead({ ...run, metric: 'latencyP99Ms', bootstrap: { seed: 5 } });
    const b = computeOverhead({ ...run, metric: 'latencyP99Ms', bootstrap: { seed: 5 } });
    expect(b).toEqual(a);
    expect(a.seed).toBe(5);
    expect(a.resamples).toBe(10_000);
  });
});
