import { appendFile } from 'node:fs/promises';
import { compareRuns, gateBases, gateMetrics, type GateBasis, type GateMetric, type GateResult } from '../../analysis/gate.js';
import { compareVariantsInRun } from '../../analysis/in-run-gate.js';
import { ExitCode, InvalidInputError } from '../../errors.js';
import { scenarioDifferences } from '../../results/comparability.js';
import { recordedBaseline, recordedVariants } from '../../results/recorded-scenario.js';
import { readRunFolder, readSamples, type RunFolder } from '../../results/reader.js';
import { recomputeFlags } from '../../analysis/flags.js';
import type { FlagLimits } from '../../scenario/schema.js';
import { renderGateMarkdown } from '../../report/gate-markdown.js';
import type { CliOutput } from '../output.js';

/**
 * Percent of the reference's added latency (or CPU per request): a change smaller than this
 * does not matter. On a 2-vCPU VM with ten repetitions the added latency of a sidecar pair
 * repeats within about ±8% between runs (scripts/bench-gate.ts, scenarios/gate.yaml), so 20%
 * is the smallest threshold that run-to-run noise there does not swamp.
 */
export const defaultGateThresholdPct = 20;

/** What people type: `--metrics p50 p99 cpu`. */
export const gateMetricShortNames: Readonly<Record<string, GateMetric>> = { p50: 'latencyP50Ms', p99: 'latencyP99Ms', 'cpu-app': 'proxyToAppCpuRatio', cpu: 'proxyCpuMsPer1kRequests' };

/**
 * Added p50 and proxy CPU per request. Proxy CPU over the app's (`cpu-app`) cancels a machine
 * that changed speed between the runs, but at 1 connection it is twice as noisy from trial to
 * trial (per-trial CV 7% against 4% on the lab VM), and two quiet runs that CPU per request
 * passed (exit 0) it left undecided. A machine that moved is caught by the baseline control.
 */
export const defaultGateMetrics: readonly GateMetric[] = ['latencyP50Ms', 'proxyCpuMsPer1kRequests'];
const shortNameOf = (metric: GateMetric) => Object.entries(gateMetricShortNames).find(([, m]) => m === metric)![0];

export interface GateArgs {
  reference: string;
  /** Absent: compare the --map pairs of variants within the reference run. */
  candidate?: string;
  thresholdPct: number;
  metrics: string[];
  map: string[];
  excludeFlagged: boolean;
  basis: string;
  /** One-sided error of each kind of claim (default 0.05). */
  alpha?: number;
  /** Flag limits instead of the scenario's; flags are recomputed from the records either way. */
  flagLimits?: Partial<FlagLimits>;
}

export async function gateCommand(args: GateArgs, out: CliOutput, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const metrics = args.metrics.map((m) => {
    const metric = gateMetricShortNames[m] ?? m;
    if (!(gateMetrics as readonly string[]).includes(metric))
      throw new InvalidInputError(`unknown gate metric "${m}"; choose from ${gateMetrics.map((g) => `${g} (${shortNameOf(g)})`).join(', ')}`);
    return metric as GateMetric;
  });
  const variantMap: Record<string, string> = {};
  for (const pair of args.map) {
    const [candidate, reference] = pair.split('=');
    if (!candidate || !reference) throw new InvalidInputError(`--map takes candidate=reference, got "${pair}"`);
    variantMap[candidate] = reference;
  }
  if (!(gateBases as readonly string[]).includes(args.basis)) throw new InvalidInputError(`unknown --basis "${args.basis}"; choose from ${gateBases.join(', ')}`);
  const basis = args.basis as GateBasis;
  if (args.alpha !== undefined && !(args.alpha > 0 && args.alpha < 0.5)) throw new InvalidInputError(`--alpha must be between 0 and 0.5, got ${args.alpha}`);
  const reference = await readWithFlags(args.reference, args.flagLimits);
  if (args.candidate === undefined) return gateWithinRun(args, reference, metrics, variantMap, out, env);
  const candidate = await readWithFlags(args.candidate, args.flagLimits);
  const differences = scenarioDifferences(reference.run, candidate.run, variantMap);
  if (differences.length)
    throw new InvalidInputError(
      `${args.reference} and ${args.candidate} ran different scenarios; comparing them would measure the difference in setup`,
      differences,
      'if a variant was renamed or its proxy upgraded on purpose, map it: --map NEW=OLD',
    );
  const result = compareRuns(
    reference.trials,
    candidate.trials,
    { reference: recordedBaseline(reference.run, args.reference), candidate: recordedBaseline(candidate.run, args.candidate) },
    { metrics, basis, thresholdPct: args.thresholdPct, variantMap, excludeFlagged: args.excludeFlagged, alpha: args.alpha },
  );
  const markdown = renderGateMarkdown({
    referenceRunId: reference.run.runId,
    candidateRunId: candidate.run.runId,
    thresholdPct: args.thresholdPct,
    excludeFlagged: args.excludeFlagged,
    basis,
    result,
  });
  return publish(markdown, result, out, env);
}

/** One run, variants against variants that ran beside them: `gate RUN --map NEW=OLD`. */
async function gateWithinRun(args: GateArgs, run: RunFolder, metrics: GateMetric[], pairs: Record<string, string>, out: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  if (Object.keys(pairs).length === 0)
    throw new InvalidInputError(`gate was given one run (${args.reference}) and nothing to compare in it`, [], 'name the variants to compare, --map NEW=OLD, or give a second run folder');
  const variants = new Set(recordedVariants(run.run).map((v) => v.name));
  const unknown = Object.entries(pairs).flatMap(([candidate, reference]) => [candidate, reference].filter((name) => !variants.has(name)));
  if (unknown.length)
    throw new InvalidInputError(`${args.reference} has no variant ${[...new Set(unknown)].map((n) => `"${n}"`).join(', ')}`, [], `its variants: ${[...variants].join(', ')}`);
  const result = compareVariantsInRun(run.trials, recordedBaseline(run.run, args.reference), {
    metrics,
    thresholdPct: args.thresholdPct,
    pairs,
    excludeFlagged: args.excludeFlagged,
    alpha: args.alpha,
  });
  const markdown = renderGateMarkdown({
    referenceRunId: run.run.runId,
    candidateRunId: run.run.runId,
    withinRun: true,
    thresholdPct: args.thresholdPct,
    excludeFlagged: args.excludeFlagged,
    basis: 'added',
    result,
  });
  return publish(markdown, result, out, env);
}

async function publish(markdown: string, result: GateResult, out: CliOutput, env: NodeJS.ProcessEnv): Promise<number> {
  out.stdout.write(markdown);
  // GitHub Actions shows this file on the run's summary page.
  if (env.GITHUB_STEP_SUMMARY) await appendFile(env.GITHUB_STEP_SUMMARY, markdown + '\n');
  return result.overall === 'regression' ? ExitCode.gateFailed : result.overall === 'inconclusive' ? ExitCode.gateInconclusive : ExitCode.ok;
}

/** A run folder with its flags decided again from the records (the scenario's limits, or the command line's). */
async function readWithFlags(dir: string, limits: Partial<FlagLimits> | undefined): Promise<RunFolder> {
  const folder = await readRunFolder(dir);
  return { ...folder, trials: recomputeFlags(folder.run, folder.trials, await readSamples(dir), limits) };
}
