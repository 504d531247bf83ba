/** A minimal, valid run record for analysis and report tests: the recorded quickstart host, a scenario of your variants and tiers. */
import { readFileSync } from 'node:fs';
import type { RecordedVariant } from '../../src/results/recorded-scenario.js';
import type { HostFacts, RunRecord } from '../../src/results/schema.js';

const host = (JSON.parse(readFileSync('fixtures/runs/quickstart-this-host/run.json', 'utf8')) as { host: HostFacts }).host;

export interface RunSpec {
  variants: RecordedVariant[];
  /** In scenario order: the first is the reference tier. Default one tier, `this-host`. */
  tiers?: string[];
  seed?: number;
  plannedTrials?: number;
}

export function makeRun(spec: RunSpec): RunRecord {
  const tiers = spec.tiers ?? ['this-host'];
  return {
    schemaVersion: 1,
    kind: 'run',
    runId: 'test-run',
    tool: { name: 'meshbench', version: '0.0.0-test' },
    startedAt: '2026-11-26T00:00:00.000Z',
    endedAt: '2026-11-26T00:10:00.000Z',
    status: 'completed',
    statusDetail: null,
    seed: spec.seed ?? 42,
    scenarioFile: 'test.yaml',
    scenario: { name: 'test', variants: spec.variants, tiers: tiers.map((name) => ({ name })) },
    tiers,
    host,
    plannedTrials: spec.plannedTrials ?? 0,
    contention: {},
  };
}
