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
