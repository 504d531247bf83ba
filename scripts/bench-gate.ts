/**
 * Benchmark (not a test): how often does the gate cry wolf, and how often does it catch a
 * real regression, on this host at the quickstart's repetitions?
 *
 *   npx tsx scripts/bench-gate.ts [pairs=5] [injectDelayMs=0.3]
 *
 * Each pair runs a reference and an A/A candidate (same configuration) and an A/B candidate
 * whose sidecar variant has `injectDelayMs` added at the app (a known regression), then
 * gates both candidates against the reference. Prints the false-positive rate (A/A called a
 * regression), the detection rate (A/B called a regression) and how often each was
 * inconclusive, at the gate's default threshold.
 */
import { compareRuns } from '../src/analysis/gate.js';
import { defaultGateMetrics, defaultGateThresholdPct } from '../src/cli/commands/gate.js';
import { runScenario } from '../src/runner/run-scenario.js';
import { parseScenarioText } from '../src/scenario/load.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const pairs = Number(process.argv[2] ?? 5);
const injectDelayMs = Number(process.argv[3] ?? 0.3);
const reportsDir = mkdtempSync(path.join(os.tmpdir(), 'meshbench-bench-gate-'));
// The question is about the quickstart's defaults (repetitions, CPU placement), so take them from there.
const quickstart = parseScenarioText(readFileSync(new URL('../scenarios/quickstart.yaml', import.meta.url), 'utf8'));
const repetitions = quickstart.repetitions;

const scenario = (delayMs: number) =>
  parseScenarioText(`
name: bench-gate
topology: { services: [ { name: echo } ] }
variants:
  - { name: baseline }
  - { name: haproxy-http, proxy: haproxy, mode: http, injectDelayMs: ${delayMs} }
load: { connections: [1, 16], durationSeconds: 2, warmupSeconds: 0.5 }
repetitions: ${repetitions}
tiers: ${JSON.stringify(quickstart.tiers)}
quiescence: { maxWaitSeconds: 3 }
`);

const run = async (delayMs: number) =>
  (await runScenario({ scenario: scenario(delayMs), scenarioFile: 'bench', reportsDir, signal: new AbortController().signal })).trials;

const tally = { aa: { regression: 0, inconclusive: 0, pass: 0 }, ab: { regression: 0, inconclusive: 0, pass: 0 } };
// The gate's defaults: added p50 latency and proxy CPU relative to the app's.
const metrics = defaultGateMetrics;
const options = { metrics, basis: 'added' as const, thresholdPct: defaultGateThresholdPct, variantMap: {}, excludeFlagged: false };
const baselines = { reference: 'baseline', candidate: 'baseline' };
const started = Date.now();
for (let i = 1; i <= pairs; i++) {
  const reference = await run(0);
  const aa = compareRuns(reference, await run(0), baselines, options);
  const ab = compareRuns(reference, await run(injectDelayMs), baselines, options);
  tally.aa[aa.overall]++;
  tally.ab[ab.overall]++;
  const worst = (r: typeof aa) => r.rows.map((x) => `${x.metric}@${x.level}:${x.verdict}(${x.changeLowPct.toFixed(0)}..${x.changeHighPct.toFixed(0)})`).join(' ');
  const moved = (r: typeof aa) => r.controls.filter((c) => c.drifted).map((c) => ` baseline moved ${c.figure}@${c.level} ${c.changePct.toFixed(0)}%`).join('');
  console.log(`pair ${i}: A/A ${aa.overall} [${worst(aa)}]${moved(aa)}`);
  console.log(`pair ${i}: A/B ${ab.overall} [${worst(ab)}]${moved(ab)}`);
}
const pct = (n: number) => `${((n / pairs) * 100).toFixed(0)}%`;
console.log(`\n${pairs} pairs, ${repetitions} repetitions each, threshold ${defaultGateThresholdPct}%, injected ${injectDelayMs} ms, ${((Date.now() - started) / 60000).toFixed(1)} min`);
console.log(`A/A: false positives ${pct(tally.aa.regression)}, inconclusive ${pct(tally.aa.inconclusive)}, pass ${pct(tally.aa.pass)}`);
console.log(`A/B: detected ${pct(tally.ab.regression)}, inconclusive ${pct(tally.ab.inconclusive)}, missed (pass) ${pct(tally.ab.pass)}`);
