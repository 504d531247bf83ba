/**
 * A synthetic run on three tiers with known differences in overhead, for the tier-contrast
 * analysis and report tests: dedicated (the reference), shared-vcpu (the sidecar adds 2 ms more
 * p99, on a tier also 1 ms slower without it) and slow-disk (the same latency overheads, but the
 * access log costs 10 points more throughput).
 */
import type { TrialRecord } from '../../src/results/schema.js';
import { makeRun } from '../helpers/run-factory.js';
import { makeTrial } from '../helpers/trial-factory.js';

export const variants = [
  { name: 'baseline' },
  { name: 'nginx-mtls', proxy: 'nginx', mode: 'mtls' },
  { name: 'nginx-mtls-log', proxy: 'nginx', mode: 'mtls', comparedTo: 'nginx-mtls' },
];
export const run = makeRun({ variants, tiers: ['dedicated', 'shared-vcpu', 'slow-disk'], seed: 7 });

/** Drift of the machine per repetition (cancels within a repetition) and noise of the overhead itself. */
const drift = [0.3, 0.1, 0.5, 0, 0.2, 0.4, 0.15, 0.35];
const noise = [0.1, -0.2, 0.05, 0.15, -0.1, 0, 0.2, -0.05];

interface TierShape {
  /** Added to every variant's p99, baseline included: a slower tier, which an overhead cancels. */
  slowerMs: number;
  /** nginx-mtls's p99 overhead over the baseline. */
  sidecarP99Ms: number;
  /** Throughput the access log costs, in percent of nginx-mtls's. */
  logLossPct: number;
  /** The noise of repetition r is noise[order[r]]: the same values in another order. */
  order: number[];
}

export function tierTrials(tier: string, shape: TierShape): TrialRecord[] {
  return drift.flatMap((d, i) => {
    const repetition = i + 1;
    const e = noise[shape.order[i]];
    const baseP99 = 1 + d + shape.slowerMs;
    const mtlsP99 = baseP99 + shape.sidecarP99Ms + e;
    const mtlsRps = 5_000 - d * 1_000;
    return [
      makeTrial({ tier, variant: 'baseline', repetition, latencyP50Ms: 0.2 + d, latencyP99Ms: baseP99, achievedRps: 10_000 - d * 1_000 }),
      makeTrial({ tier, variant: 'nginx-mtls', repetition, latencyP50Ms: 0.6 + d + e / 10, latencyP99Ms: mtlsP99, achievedRps: mtlsRps }),
      makeTrial({
        tier,
        variant: 'nginx-mtls-log',
        repetition,
        latencyP50Ms: 0.7 + d + e / 10,
        latencyP99Ms: mtlsP99 + 0.2 + e / 5,
        achievedRps: mtlsRps * (1 - (shape.logLossPct + e * 10) / 100),
      }),
    ];
  });
}

const inOrder = [0, 1, 2, 3, 4, 5, 6, 7];
export const trials: TrialRecord[] = [
  ...tierTrials('dedicated', { slowerMs: 0, sidecarP99Ms: 1.5, logLossPct: 5, order: inOrder }),
  // +2 ms more p99 from the sidecar, on a tier that is also 1 ms slower without it.
  ...tierTrials('shared-vcpu', { slowerMs: 1, sidecarP99Ms: 3.5, logLossPct: 5, order: [3, 0, 7, 5, 1, 6, 2, 4] }),
  // The same latency overheads in another order, but the access log costs 10 points more throughput.
  ...tierTrials('slow-disk', { slowerMs: 0, sidecarP99Ms: 1.5, logLossPct: 15, order: [7, 6, 5, 4, 3, 2, 1, 0] }),
];

