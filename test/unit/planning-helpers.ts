/** Builders for the planning tests: measurements small enough to follow by hand. */
import type { CostPoint, Estimate, MeasuredVariant, Measurements, TierNoise } from '../../src/planning/measurements.js';

export const MiB = 2 ** 20;

export function est(estimate: number, low = estimate, high = estimate): Estimate {
  return { estimate, low, high, confidence: 0.95 };
}

export function point(p: { achievedRps: number; cpuMsPer1k: Estimate; rssBytes: Estimate; connections?: number }): CostPoint {
  return {
    runId: 'run-1',
    runDir: 'runs/run-1',
    connections: p.connections ?? 1,
    achievedRps: p.achievedRps,
    cpuMsPer1kRequestsPerEdge: p.cpuMsPer1k,
    rssBytesPerProxy: p.rssBytes,
    trials: 3,
    trialsStartedBusy: 0,
  };
}

export function variant(name: string, points: CostPoint[], tier = 't'): MeasuredVariant {
  return { tier, variant: name, proxy: 'haproxy', mode: 'mtls', points };
}

export function quietNoise(tier = 't'): TierNoise {
  return { tier, trials: 3, stealPctByTrial: [0, 0, 0], foreignCpuPctByTrial: [0, 0, 0], p99MsByCell: [] };
}

export function measurements(variants: MeasuredVariant[], noise: TierNoise[] = [quietNoise()]): Measurements {
  const tiers = [...new Set([...variants.map((v) => v.tier), ...noise.map((n) => n.tier)])];
  return {
    runs: [{ runId: 'run-1', dir: 'runs/run-1', tiers }],
    tiers,
    variants,
    baselinesByTier: new Map(tiers.map((t) => [t, ['baseline']])),
    noise,
    notes: [],
  };
}
