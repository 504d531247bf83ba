import { probit } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/analysis/pairing.js';
import { computeOverhead } from '../../src/analysis/overhead.js';
import { noiseFloor, noiseFloorFromTrials } from '../../src/analysis/noise-floor.js';
import { createRng, normalSample } from '../../src/analysis/random.js';
import { decideVerdicts } from '../../src/analysis/verdict.js';

function aaRun(seed: number, repetitions: number, noiseSdMs: number, shiftMs = 0) {
  const random = createRng(seed);
  const first: Observation[] = [];
  const second: Observation[] = [];
  for (let repetition = 0; repetition < repetitions; repetition++) {
    const driftMs = normalSample(random, 0, 2);
    first.push({ repetition, value: 20 + driftMs + normalSample(random, 0, noiseSdMs) });
    second.push({ repetition, value: 20 + shiftMs + driftMs + normalSample(random, 0, noiseSdMs) });
  }
  return { first, second };
}

describe('noiseFloor', () => {
  it('derives the floor from the A/A interval at 80% power by default', () => {
    const floor = noiseFloorFromTrials({ ...aaRun(1, 10, 0.5), metric: 'latencyP99Ms' });
    expect(floor.n).toBe(10);
    expect(floor.unit).toBe('ms');
    expect(floor.systematicDifference).toBe(false);
    expect(floor.halfWidth).toBe(Math.max(floor.deltaMedian - floor.deltaLow, floor.deltaHigh - floor.deltaMedian));
    // The z of the confidence the A/A interval actually reaches (97.9% at 10 repetitions).
    const z = probit(1 - (1 - floor.confidence) / 2);
    expect(floor.smallestDetectable).toBeCloseTo((floor.halfWidth * (z + probit(0.8))) / z, 10);
    expect(floor.smallestDetectablePct).not.toBeNull();
    // Within-repetition noise of sd 0.5 ms per trial: the difference has sd ~0.7 ms, and a median of
    // 10 has a 95% half-width around 0.5 ms, so the floor lands well under 2 ms.
    expect(floor.smallestDetectable).toBeGreaterThan(0.1);
    expect(floor.smallestDetectable).toBeLessThan(2);
  });

  it('equals the half-width at 50% power', () => {
    const floor = noiseFloorFromTrials({ ...aaRun(1, 10, 0.5), metric: 'latencyP99Ms', power: 0.5 });
    expect(floor.smallestDetectable).toBeCloseTo(floor.halfWidth, 10);
  });

  it('is a floor that a shift of its size is usually detected above', () => {
    // Take the floor from one A/A run, then inject that shift into fresh runs of the same noise:
    // about 80% should come out as regressions against threshold 0.
    const floor = noiseFloorFromTrials({ ...aaRun(3, 10, 0.5), metric: 'latencyP99Ms' });
    let detected = 0;
    for (let seed = 0; seed < 100; seed++) {
      const { first, second } = aaRun(700 + seed, 10, 0.5, floor.smallestDetectable);
      const overhead = computeOverhead({ variantTrials: second, baselineTrials: first, metric: 'latencyP99Ms' });
      if (decideVerdicts([{ evidence: { kind: 'paired', scale: 'linear', values: overhead.deltas }, margin: 0, higherIsWorse: true, unit: 'ms' }])[0].verdict === 'regression') detected++;
    }
    expect(detected).toBeGreaterThanOrEqual(55);
  });

  it('flags an A/A pair whose copies differ systematically', () => {
    const floor = noiseFloorFromTrials({ ...aaRun(4, 10, 0.2, 1.5), metric: 'latencyP99Ms' });
    expect(floor.systematicDifference).toBe(true);
  });

  it('accepts a precomputed overhead', () => {
    const { first, second } = aaRun(5, 8, 0.5);
    const aa = computeOverhead({ variantTrials: second, baselineTrials: first, metric: 'latencyP50Ms' });
    expect(noiseFloor(aa)).toEqual(noiseFloorFromTrials({ first, second, metric: 'latencyP50Ms' }));
    expect(() => noiseFloor(aa, { power: 1 })).toThrow(RangeError);
  });
});
