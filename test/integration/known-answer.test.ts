/**
 * Known-answer checks of the instrument: a fixed delay injected at the sample service must
 * come back out of a real run as that delay.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/runner/run-scenario.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { summarizeCells } from '../../src/analysis/cell-summary.js';
import { tempDir } from '../helpers/scenario-file.js';

describe('known answers', () => {
  it('a 2 ms delay injected at the sample service reads as Δp50 = 2 ms within 5% (open loop)', async () => {
    const scenario = parseScenarioText(`
name: known-delay
topology: { services: [ { name: echo } ] }
variants:
  - { name: baseline }
  - { name: delayed, copyOf: baseline, injectDelayMs: 2 }
load: { mode: open, rps: [200], durationSeconds: 3, warmupSeconds: 0.5 }
repetitions: 5
quiescence: { maxWaitSeconds: 2 }
`);
    const outcome = await runScenario({ scenario, scenarioFile: 'inline', reportsDir: tempDir(), seed: 5, signal: new AbortController().signal });
    const delayed = summarizeCells(outcome.trials, 'baseline').find((c) => c.variant === 'delayed')!;
    const delta = delayed.overhead.latencyP50Ms!.deltaMedian;
    expect(delta).toBeGreaterThan(1.9);
    expect(delta).toBeLessThan(2.1);
  }, 120_000);
});
