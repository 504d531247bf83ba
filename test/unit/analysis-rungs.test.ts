/** Rungs of the ladder: what a variant adds over the one it names in `comparedTo`, paired by repetition. */
import { describe, expect, it } from 'vitest';
import { analyzeRun } from '../../src/analysis/run-analysis.js';
import { makeRun } from '../helpers/run-factory.js';
import { makeTrial } from '../helpers/trial-factory.js';

const run = makeRun({
  variants: [{ name: 'baseline' }, { name: 'mtls', proxy: 'nginx', mode: 'mtls' }, { name: 'mtls-log', proxy: 'nginx', mode: 'mtls', comparedTo: 'mtls' }],
});

/** mtls-log answers 0.3 ms slower at p50 and reaches 10% fewer req/s than mtls, in every repetition. */
const trials = [1, 2, 3, 4, 5].flatMap((repetition) => {
  const wobble = repetition * 0.01;
  return [
    makeTrial({ variant: 'baseline', repetition, latencyP50Ms: 0.2 + wobble, achievedRps: 10_000 }),
    makeTrial({ variant: 'mtls', repetition, latencyP50Ms: 0.6 + wobble, achievedRps: 5_000 + repetition * 100 }),
    makeTrial({ variant: 'mtls-log', repetition, latencyP50Ms: 0.9 + wobble, achievedRps: (5_000 + repetition * 100) * 0.9 }),
  ];
});

describe('rungs', () => {
  const [rung] = analyzeRun(run, trials).rungs;

  it('compare a variant with the one it names, not with the baseline', () => {
    expect(rung).toMatchObject({ tier: 'this-host', variant: 'mtls-log', comparedTo: 'mtls' });
    expect(rung.p50.deltaMedian).toBeCloseTo(0.3, 9);
  });

  it('carry achieved throughput: the change in req/s and in percent, lower being worse', () => {
    expect(rung.rps).toMatchObject({ metric: 'achievedRps', unit: 'req/s', higherIsWorse: false, pairs: 5 });
    expect(rung.rps.deltaMedian).toBeCloseTo(-530, 6);
    expect(rung.rps.relativePct).toBeCloseTo(-10, 9);
    expect(rung.rps.relativeLowPct).toBeCloseTo(-10, 9);
    expect(rung.rps.relativeHighPct).toBeCloseTo(-10, 9);
  });
});
