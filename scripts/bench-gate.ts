/**
 * Benchmark (not a test): how often does the gate cry wolf, and how often does it catch a
 * real regression, on this host at the quickstart's repetitions?
 *
 *   npx tsx scripts/bench-gate.ts [pairs=5] [injectDelayMs=0.3] [runs|within]
 *
 * runs (default): each pair runs a reference and an A/A candidate (same configuration) and an
 * A/B candidate whose sidecar variant has `injectDelayMs` added at the app (a known
 * regression), then gates both candidates against the reference: the two-run gate.
 * within: each pair is one run holding the reference variant, an identical copy of it (A/A)
 * and the slowed one (A/B) side by side, gated within the run (`gate RUN --map NEW=OLD`).
 *
 * Prints the false-positive rate (A/A called a regression), the detection rate (A/B called a
 * regression), how often each was inconclusive, and where the baseline itself moved.
 */
import { compareRuns, type GateResult } from '../src/analysis/gate.js';
import { compareVariantsInRun } from '../src/analysis/in-run-gate.js';
import { defaultGateMetrics, defaultGateThresholdPct } from '../src/cli/commands/gate.js';
import { runScenario } from '../src/runner/run-scenario.js';
import { parseScenarioText } from '../src/scenario/load.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const pairs = Number(process.argv[2] ?? 5);
const injectDelayMs = Number(process.argv[3] ?? 0.3);
const mode = process.argv[4] ?? 'runs';
if (mode !== 'runs' && mode !== 'within') throw new Error(`mode must be runs or within, got ${mode}`);
const reportsDir = mkdtempSync(path.join(os.tmpdir(), 'meshbench-bench-gate-'));
// The question is about the quickstart's defaults (repetitions, CPU placement), so take them from there.
const quickstart = parseScenarioText(readFileSync(new URL('../scenarios/quickstart.yaml', import.meta.url), 'utf8'));
const repetitions = quickstart.repetitions;

const scenario = (variants: string[]) =>
  parseScenarioText(`
name: bench-gate
topology: { services: [ { name: echo } ] }
variants:
  - { name: baseline }
${variants.map((v) => `  - ${v}`).join('\n')}
load: { connections: [1, 16], durationSeconds: ${quickstart.load.mode === 'closed' ? quickstart.load.durationSeconds : 1}, warmupSeconds: ${quickstart.load.warmupSeconds} }
repetitions: ${repetitions}
tiers: ${JSON.stringify(quickstart.tiers)}
quiescence: { maxWaitSeconds: 3 }
`);
const sidecar = (name: string, delayMs: number) => `{ name: ${name}, proxy: haproxy, mode: http, injectDelayMs: ${delayMs} }`;

const run = async (variants: string[]) =>
  (await runScenario({ scenario: scenario(variants), scenarioFile: 'bench', reportsDir, signal: new AbortController().signal })).trials;

// The gate's defaults: added p50 latency and proxy CPU per request.
const common = { metrics: defaultGateMetrics, thresholdPct: defaultGateThresholdPct, excludeFlagged: false };

async function pair(): Promise<{ aa: GateResult; ab: GateResult }> {
  if (mode === 'within') {
    const trials = await run([sidecar('reference', 0), sidecar('same', 0), sidecar('slower', injectDelayMs)]);
    return {
      aa: compareVariantsInRun(trials, 'baseline', { ...common, pairs: { same: 'reference' } }),
      ab: compareVariantsInRun(trials, 'baseline', { ...common, pairs: { slower: 'reference' } }),
    };
  }
  const options = { ...common, basis: 'added' as const, variantMap: {} };
  const baselines = { reference: 'baseline', candidate: 'baseline' };
  const reference = await run([sidecar('haproxy-http', 0)]);
  return {
    aa: compareRuns(reference, await run([sidecar('haproxy-http', 0)]), baselines, options),
    ab: compareRuns(reference, await run([sidecar('haproxy-http', injectDelayMs)]), baselines, options),
  };
}

const tally = { aa: { regression: 0, inconclusive: 0, pass: 0 }, ab: { regression: 0, inconclusive: 0, pass: 0 } };
const started = Date.now();
for (let i = 1; i <= pairs; i++) {
  const { aa, ab } = await pair();
  tally.aa[aa.overall]++;
  tally.ab[ab.overall]++;
  const worst = (r: GateResult) => r.rows.map((x) => `${x.metric}@${x.level}:${x.verdict}(${x.changeLowPct.toFixed(0)}..${x.changeHighPct.toFixed(0)})`).join(' ');
  const moved = (r: GateResult) => r.controls.filter((c) => c.moved).map((c) => ` baseline moved ${c.figure}@${c.level} ${c.changePct.toFixed(0)}%`).join('');
  console.log(`pair ${i}: A/A ${aa.overall} [${worst(aa)}]${moved(aa)}`);
  console.log(`pair ${i}: A/B ${ab.overall} [${worst(ab)}]${moved(ab)}`);
}
const pct = (n: number) => `${((n / pairs) * 100).toFixed(0)}%`;
console.log(`\n${mode === 'within' ? 'within one run' : 'two runs'}: ${pairs} pairs, ${repetitions} repetitions each, threshold ${defaultGateThresholdPct}%, injected ${injectDelayMs} ms, ${((Date.now() - started) / 60000).toFixed(1)} min`);
console.log(`A/A: false positives ${pct(tally.aa.regression)}, inconclusive ${pct(tally.aa.inconclusive)}, pass ${pct(tally.aa.pass)}`);
console.log(`A/B: detected ${pct(tally.ab.regression)}, inconclusive ${pct(tally.ab.inconclusive)}, missed (pass) ${pct(tally.ab.pass)}`);
