import { describe, expect, it } from 'vitest';
import { capacityResults, meetsSlo, searchCapacity } from '../../src/analysis/capacity.js';
import type { TrialRecord } from '../../src/results/schema.js';
import { makeTrial } from '../helpers/trial-factory.js';

/** A system whose p99 stays at 2 ms up to `capacity` req/s and jumps to 50 ms above it. */
function system(capacity: number) {
  const steps: { rps: number; phase: string }[] = [];
  const step = async (rps: number, phase: 'probe' | 'bisect' | 'confirm'): Promise<TrialRecord> => {
    steps.push({ rps, phase });
    const t = makeTrial({ variant: 'x', repetition: 1, latencyP50Ms: 1, latencyP99Ms: rps <= capacity ? 2 : 50 });
    return { ...t, loadMode: 'open', requestedRps: rps, achievedRps: rps };
  };
  return { step, steps };
}

const slo = { latencyP99Ms: 5, errorRatePct: 0.1 };

describe('capacity search', () => {
  it('finds a known capacity within the requested precision, then confirms it', async () => {
    const s = system(7300);
    const outcome = await searchCapacity({ startRps: 1000, maxRps: 100_000, precisionPct: 5, slo, step: s.step });
    expect(outcome.capacityRps).toBeLessThanOrEqual(7300);
    expect(outcome.capacityRps).toBeGreaterThanOrEqual(7300 / 1.05);
    expect(outcome.confirmed).toBe(true);
    expect(s.steps.slice(0, 4).map((x) => x.rps)).toEqual([1000, 2000, 4000, 8000]);
    expect(s.steps.at(-1)?.phase).toBe('confirm');
  });

  it('searches downwards when the start rate already fails', async () => {
    const s = system(300);
    const outcome = await searchCapacity({ startRps: 1000, maxRps: 100_000, precisionPct: 10, slo, step: s.step });
    expect(outcome.capacityRps).toBeLessThanOrEqual(300);
    expect(outcome.capacityRps).toBeGreaterThan(250);
  });

  it('reports "at least maxRps" when even the maximum meets the objective', async () => {
    const outcome = await searchCapacity({ startRps: 1000, maxRps: 5000, precisionPct: 10, slo, step: system(1e9).step });
    expect(outcome).toMatchObject({ capacityRps: 5000, reachedMax: true, confirmed: true });
  });

  it('does not count a rate the target could not keep up with', () => {
    const t = { ...makeTrial({ variant: 'x', repetition: 1, latencyP50Ms: 1, latencyP99Ms: 2 }), loadMode: 'open' as const, requestedRps: 1000, achievedRps: 800 };
    expect(meetsSlo(t, slo)).toBe(false);
    expect(meetsSlo({ ...t, achievedRps: 990 }, slo)).toBe(true);
  });

  it('reads the capacity back from the step records', () => {
    const rec = (rps: number, phase: 'probe' | 'bisect' | 'confirm', metSlo: boolean): TrialRecord => ({
      ...makeTrial({ variant: 'x', repetition: 1, latencyP50Ms: 1 }),
      loadMode: 'open',
      requestedRps: rps,
      capacityStep: { searchId: 's1', phase, metSlo },
    });
    const results = capacityResults([rec(1000, 'probe', true), rec(2000, 'probe', false), rec(1500, 'bisect', true), rec(1500, 'confirm', true)]);
    expect(results).toEqual([{ tier: 'this-host', variant: 'x', repetition: 1, capacityRps: 1500, confirmed: true, steps: 4, driverLatenessP99Ms: null }]);
  });
});
