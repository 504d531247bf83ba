import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/analysis/pairing.js';
import { computeOverhead, type Overhead } from '../../src/analysis/overhead.js';
import { createRng, normalSample } from '../../src/analysis/random.js';
import { decideVerdicts } from '../../src/analysis/verdict.js';

/** One figure decided on its own: the per-repetition differences (or relative changes) against ±margin. */
const verdictOf = (o: Overhead, margin: number, relative = false) =>
  decideVerdicts([{ evidence: { kind: 'paired', scale: 'linear', values: relative ? o.relatives! : o.deltas }, margin, higherIsWorse: o.higherIsWorse, unit: relative ? '%' : o.unit }])[0];

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
    const overhead = computeOverhead({ ...run, metric: 'latencyP99Ms' });

    expect(overhead.unit).toBe('ms');
    expect(overhead.pairs).toBe(10);
    expect(overhead.deltaLow).toBeLessThanOrEqual(2);
    expect(overhead.deltaHigh).toBeGreaterThanOrEqual(2);
    expect(overhead.deltaMedian).toBeGreaterThan(1.5);
    expect(overhead.deltaMedian).toBeLessThan(2.5);
    // 2 ms on ~20 ms is ~10%.
    expect(overhead.relativeLowPct!).toBeLessThanOrEqual(10);
    expect(overhead.relativeHighPct!).toBeGreaterThanOrEqual(10);

    const verdict = verdictOf(overhead, 0.5);
    expect(verdict.verdict).toBe('regression');
    expect(verdict.reason).toMatch(/worse beyond ±0\.5 ms/);
    // 10 repetitions reach 97.9% for the median, more than the 95% asked for.
    expect(overhead.confidence).toBeCloseTo(1 - 22 / 1024, 12);
    expect(overhead.reachesRequested).toBe(true);
  });

  it('covers the true shift in most of many synthetic runs', () => {
    let covered = 0;
    let regressions = 0;
    const runs = 100;
    for (let seed = 0; seed < runs; seed++) {
      const run = syntheticRun({ seed: 500 + seed, repetitions: 10, baseMs: 20, shiftMs: 2, driftSdMs: 2, noiseSdMs: 0.5 });
      const overhead = computeOverhead({ ...run, metric: 'latencyP99Ms' });
      if (overhead.deltaLow <= 2 && 2 <= overhead.deltaHigh) covered++;
      if (verdictOf(overhead, 0.5).verdict === 'regression') regressions++;
    }
    // The printed 97.9% is the real coverage (test/unit/analysis-coverage.test.ts checks it closely).
    expect(covered).toBeGreaterThanOrEqual(90);
    expect(regressions).toBeGreaterThanOrEqual(95);
  });

  it('gives no-change for identical distributions with enough repetitions', () => {
    const run = syntheticRun({ seed: 2, repetitions: 30, baseMs: 20, shiftMs: 0, driftSdMs: 2, noiseSdMs: 0.5 });
    const overhead = computeOverhead({ ...run, metric: 'latencyP50Ms' });
    // The differences have sd ~0.7 ms; a sign-test equivalence at ±0.5 ms would need ~50 repetitions, at ±1 ms 30 decide.
    const verdict = verdictOf(overhead, 1);
    expect(verdict.verdict).toBe('no-change');
    expect(verdictOf(overhead, 0.5).verdict).toBe('inconclusive');
    expect(overhead.deltaLow).toBeLessThanOrEqual(0);
    expect(overhead.deltaHigh).toBeGreaterThanOrEqual(0);
  });

  it('gives inconclusive with a repetitions estimate for a tiny sample', () => {
    const run = syntheticRun({ seed: 3, repetitions: 2, baseMs: 20, shiftMs: 2, driftSdMs: 2, noiseSdMs: 0.5 });
    const overhead = computeOverhead({ ...run, metric: 'latencyP99Ms' });
    expect(overhead.pairs).toBe(2);
    const verdict = verdictOf(overhead, 0.5);
    expect(verdict.verdict).toBe('inconclusive');
    expect(verdict.reason).toMatch(/can't tell/);
    // Two values reach 50% at most: the interval says so rather than pretending to 95%.
    expect(overhead.confidence).toBeCloseTo(0.5, 12);
    expect(overhead.reachesRequested).toBe(false);
  });

  it('treats lower throughput as the worse direction', () => {
    const random = createRng(4);
    const baselineTrials = Array.from({ length: 10 }, (_, repetition) => ({ repetition, value: 5_000 + normalSample(random, 0, 50) }));
    const variantTrials = baselineTrials.map(({ repetition, value }) => ({ repetition, value: value * 0.8 + normalSample(random, 0, 20) }));
    const overhead = computeOverhead({ variantTrials, baselineTrials, metric: 'achievedRps' });
    expect(overhead.higherIsWorse).toBe(false);
    expect(overhead.relativeLowPct!).toBeLessThanOrEqual(-20);
    expect(overhead.relativeHighPct!).toBeGreaterThanOrEqual(-20);
    const verdict = verdictOf(overhead, 5, true);
    expect(verdict.verdict).toBe('regression');
    expect(verdict.reason).toMatch(/worse beyond ±5%/);
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

  it('is exact and deterministic: no resampling, the same data give the same interval', () => {
    const run = syntheticRun({ seed: 9, repetitions: 8, baseMs: 20, shiftMs: 1, driftSdMs: 2, noiseSdMs: 0.5 });
    const a = computeOverhead({ ...run, metric: 'latencyP99Ms' });
    const b = computeOverhead({ ...run, metric: 'latencyP99Ms' });
    expect(b).toEqual(a);
    // 8 values: P(B ≤ 1) = 9/256 > 0.025, so 95% needs the whole range, which reaches 99.2%.
    expect(a.confidence).toBeCloseTo(1 - 2 / 256, 12);
    expect([a.deltaLow, a.deltaHigh]).toEqual([Math.min(...a.deltas), Math.max(...a.deltas)]);
  });
});
