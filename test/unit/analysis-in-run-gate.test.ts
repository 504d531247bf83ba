import { describe, expect, it } from 'vitest';
import { compareVariantsInRun, type InRunGateOptions } from '../../src/analysis/in-run-gate.js';
import { createRng, normalSample } from '../../src/analysis/random.js';
import type { TrialRecord } from '../../src/results/schema.js';
import { makeTrial } from '../helpers/trial-factory.js';

const options: InRunGateOptions = { metrics: ['latencyP50Ms'], thresholdPct: 20, pairs: { 'haproxy-new': 'haproxy-old' }, excludeFlagged: false };

/**
 * One run, three variants in every repetition. The machine's speed changes from repetition to
 * repetition by up to ±40% (what separate runs minutes apart saw on the lab VM), hitting every
 * variant of that repetition alike. The old proxy adds 1 ms on a 1 ms baseline; the new one
 * adds `newAddsMs`.
 */
function interleavedRun(seed: number, repetitions: number, newAddsMs: number): TrialRecord[] {
  const random = createRng(seed);
  return Array.from({ length: repetitions }, (_, i) => {
    const machine = 1 + 0.4 * Math.sin(i * 1.7);
    const noisy = (ms: number) => ms * machine * (1 + normalSample(random, 0, 0.02));
    return [
      makeTrial({ variant: 'baseline', repetition: i + 1, latencyP50Ms: noisy(1) }),
      makeTrial({ variant: 'haproxy-old', repetition: i + 1, latencyP50Ms: noisy(2) }),
      makeTrial({ variant: 'haproxy-new', repetition: i + 1, latencyP50Ms: noisy(1 + newAddsMs) }),
    ];
  }).flat();
}

describe('the gate within one run', () => {
  it('passes an unchanged proxy although the machine changed speed by ±40% between repetitions', () => {
    const result = compareVariantsInRun(interleavedRun(1, 6, 1), 'baseline', options);
    expect(result.rows).toHaveLength(1);
    expect(result.rows[0]!.verdict).toBe('no-change');
    expect(result.rows[0]!.referenceVariant).toBe('haproxy-old');
    expect(result.controls).toEqual([]);
    expect(result.overall).toBe('pass');
  });

  it('finds a proxy that adds 60% more latency, its interval covering the truth', () => {
    const result = compareVariantsInRun(interleavedRun(2, 8, 1.6), 'baseline', options);
    const row = result.rows[0]!;
    expect(row.verdict).toBe('regression');
    // +0.6 ms on the old proxy's ~1 ms added latency (times the machine's mean speed).
    expect(row.changeLowPct).toBeLessThan(60 * 1.15);
    expect(row.changeHighPct).toBeGreaterThan(60 * 0.85);
    expect(row.referenceMedian).toBeGreaterThan(0.6);
    expect(result.overall).toBe('regression');
  });

  it('says "inconclusive" with two repetitions', () => {
    expect(compareVariantsInRun(interleavedRun(3, 2, 1), 'baseline', options).overall).toBe('inconclusive');
  });

  it('lists what it could not compare instead of dropping it', () => {
    const onlyNew = interleavedRun(4, 4, 1).filter((t) => t.variant !== 'haproxy-old');
    const result = compareVariantsInRun(onlyNew, 'baseline', options);
    expect(result.rows).toEqual([]);
    expect(result.unmatched).toEqual(['this-host · 1 connection · haproxy-new · latencyP50Ms: no repetition ran both haproxy-new and haproxy-old and baseline']);
  });
});
