import { describe, expect, it } from 'vitest';
import { scenarioDifferences } from '../../src/results/comparability.js';
import type { RunRecord } from '../../src/results/schema.js';

const runWith = (load: Record<string, unknown>) => ({ scenario: { topology: { services: [{ name: 'echo' }] }, load, variants: [{ name: 'baseline' }] } }) as unknown as RunRecord;
const load = { mode: 'closed', connections: [1, 16], durationSeconds: 2, warmupSeconds: 1, requestTimeoutSeconds: 10 };

describe('scenarioDifferences, load processes', () => {
  it('reads a run recorded before load.processes existed as one process', () => {
    expect(scenarioDifferences(runWith(load), runWith({ ...load, processes: 1 }))).toEqual([]);
  });

  it('refuses runs driven by different numbers of processes', () => {
    expect(scenarioDifferences(runWith(load), runWith({ ...load, processes: 2 }))).toEqual([expect.stringMatching(/^the load differs: .*"processes":1.* vs .*"processes":2/)]);
  });
});

describe('scenarioDifferences, tiers', () => {
  const withTiers = (tiers: unknown[]) => ({ scenario: { ...runWith(load).scenario, tiers } }) as unknown as RunRecord;

  it('refuses a pinned run against an unpinned one on the same tier', () => {
    expect(scenarioDifferences(withTiers([{ name: 'this-host' }]), withTiers([{ name: 'this-host', contention: { pinning: 'auto' } }]))).toEqual([
      'tier "this-host": contention and CPU placement differ: "none" vs {"pinning":"auto"}',
    ]);
  });

  it('accepts the same contention written in another key order, and tiers only one run has', () => {
    const a = withTiers([{ name: 'shared', contention: { cpuQuotaCores: 0.5, pinning: 'auto' } }, { name: 'old' }]);
    const b = withTiers([{ name: 'shared', contention: { pinning: 'auto', cpuQuotaCores: 0.5 } }, { name: 'new', contention: { pinning: 'auto' } }]);
    expect(scenarioDifferences(a, b)).toEqual([]);
  });
});
