/**
 * Tier contrasts: how much more (or less) a variant's overhead is on one tier than on the
 * reference tier, from per-repetition overheads resampled on each tier on its own.
 */
import { describe, expect, it } from 'vitest';
import { computeTierContrasts, decideTierContrasts, type TierContrastRow } from '../../src/analysis/tier-contrast.js';
import { makeRun } from '../helpers/run-factory.js';
import { run, trials, variants } from './tier-synthetic.js';

const rows = decideTierContrasts(computeTierContrasts({ run, trials, baselineVariant: 'baseline' }));
const find = (tier: string, kind: TierContrastRow['kind'], variant: string, metric: TierContrastRow['metric']) => {
  const row = rows.find((r) => r.tier === tier && r.kind === kind && r.variant === variant && r.metric === metric);
  if (!row) throw new Error(`no row for ${tier} ${kind} ${variant} ${metric}`);
  return row;
};

describe('computeTierContrasts', () => {
  it('compares every other tier with the first, for each overhead (p50, p99) and each rung (p50, p99, req/s)', () => {
    expect(new Set(rows.map((r) => r.referenceTier))).toEqual(new Set(['dedicated']));
    expect(rows.map((r) => `${r.tier} ${r.kind} ${r.variant}/${r.over} ${r.metric}`)).toEqual(
      ['shared-vcpu', 'slow-disk'].flatMap((tier) => [
        `${tier} overhead nginx-mtls/baseline latencyP50Ms`,
        `${tier} overhead nginx-mtls/baseline latencyP99Ms`,
        `${tier} overhead nginx-mtls-log/baseline latencyP50Ms`,
        `${tier} overhead nginx-mtls-log/baseline latencyP99Ms`,
        `${tier} rung nginx-mtls-log/nginx-mtls latencyP50Ms`,
        `${tier} rung nginx-mtls-log/nginx-mtls latencyP99Ms`,
        `${tier} rung nginx-mtls-log/nginx-mtls achievedRps`,
      ]),
    );
  });

  it('finds a planted +2 ms of p99 overhead on one tier: the interval covers 2 and excludes 0', () => {
    const row = find('shared-vcpu', 'overhead', 'nginx-mtls', 'latencyP99Ms');
    expect(row).toMatchObject({ unit: 'ms', higherIsWorse: true, referenceRepetitions: 8, tierRepetitions: 8, verdict: 'larger' });
    expect(row.referenceMedian).toBeCloseTo(1.525, 9);
    expect(row.tierMedian).toBeCloseTo(3.525, 9);
    expect(row.difference).toBeCloseTo(2, 9);
    expect(row.differenceLow).toBeGreaterThan(0);
    expect(row.differenceLow).toBeLessThanOrEqual(2);
    expect(row.differenceHigh).toBeGreaterThanOrEqual(2);
    // The p50 overhead was not changed, and the tier's own slowness cancels within each repetition.
    expect(find('shared-vcpu', 'overhead', 'nginx-mtls', 'latencyP50Ms').difference).toBeCloseTo(0, 9);
  });

  it('calls two tiers with the same overheads "same": an interval around 0 within the ±20% margin', () => {
    for (const metric of ['latencyP50Ms', 'latencyP99Ms'] as const) {
      const row = find('slow-disk', 'overhead', 'nginx-mtls', metric);
      expect(row.difference).toBeCloseTo(0, 9);
      expect(row.differenceLow).toBeLessThan(0);
      expect(row.differenceHigh).toBeGreaterThan(0);
      expect(row.verdict).toBe('same');
    }
  });

  it('finds a rung whose throughput loss is larger on one tier, in percentage points', () => {
    const row = find('slow-disk', 'rung', 'nginx-mtls-log', 'achievedRps');
    expect(row).toMatchObject({ over: 'nginx-mtls', unit: '%', higherIsWorse: false, verdict: 'larger' });
    expect(row.referenceMedian).toBeCloseTo(-5.25, 9);
    expect(row.tierMedian).toBeCloseTo(-15.25, 9);
    expect(row.difference).toBeCloseTo(-10, 9);
    expect(row.differenceHigh).toBeLessThan(0);
    expect(row.differenceLow).toBeLessThanOrEqual(-10);
    expect(row.differenceHigh).toBeGreaterThanOrEqual(-10);
    // On shared-vcpu the access log costs what it costs on dedicated.
    expect(find('shared-vcpu', 'rung', 'nginx-mtls-log', 'achievedRps').verdict).toBe('inconclusive');
  });

  it('calls a tier that makes the overhead smaller "smaller"', () => {
    const reversed = decideTierContrasts(computeTierContrasts({ run: makeRun({ variants, tiers: ['shared-vcpu', 'dedicated'], seed: 7 }), trials, baselineVariant: 'baseline' }));
    const row = reversed.find((r) => r.tier === 'dedicated' && r.kind === 'overhead' && r.variant === 'nginx-mtls' && r.metric === 'latencyP99Ms')!;
    expect(row.difference).toBeCloseTo(-2, 9);
    expect(row.verdict).toBe('smaller');
  });

  it('is exact: the same data give the same intervals, each with the confidence it reaches', () => {
    const again = decideTierContrasts(computeTierContrasts({ run, trials, baselineVariant: 'baseline' }));
    expect(again).toEqual(rows);
    expect(rows.every((r) => r.confidence >= 0.95 && r.reachesRequested)).toBe(true);
  });

  it('gives no verdict below three repetitions on either tier', () => {
    const few = trials.filter((t) => t.tier !== 'shared-vcpu' || t.repetition <= 2);
    const row = decideTierContrasts(computeTierContrasts({ run, trials: few, baselineVariant: 'baseline' })).find(
      (r) => r.tier === 'shared-vcpu' && r.variant === 'nginx-mtls' && r.metric === 'latencyP99Ms',
    )!;
    expect(row).toMatchObject({ tierRepetitions: 2, referenceRepetitions: 8, verdict: 'inconclusive' });
  });

  it('says nothing for a run with one tier, or for a tier that lacks a cell', () => {
    expect(decideTierContrasts(computeTierContrasts({ run: makeRun({ variants, tiers: ['dedicated'] }), trials, baselineVariant: 'baseline' }))).toEqual([]);
    const withoutLog = trials.filter((t) => !(t.tier === 'dedicated' && t.variant === 'nginx-mtls-log'));
    const left = decideTierContrasts(computeTierContrasts({ run, trials: withoutLog, baselineVariant: 'baseline' }));
    expect(left.some((r) => r.variant === 'nginx-mtls-log')).toBe(false);
    expect(left.filter((r) => r.variant === 'nginx-mtls')).toHaveLength(4);
  });
});
