import path from 'node:path';
import { buildReport } from '../../report/build-report.js';
import { runScenario } from '../../runner/run-scenario.js';
import { loadScenarioFile } from '../../scenario/load.js';
import { ExitCode, InvalidInputError } from '../../errors.js';
import { runKubernetesScenario } from '../../backends/kubernetes/run-kubernetes.js';
import { isKubernetesScenario } from '../../scenario/any-scenario.js';
import type { ProgressEvent } from '../../runner/progress.js';
import { baselineVariant, variantSchema, type Scenario } from '../../scenario/schema.js';
import type { CliOutput } from '../output.js';
import { createProgressView } from '../progress-view.js';

export interface RunArgs {
  scenario: string;
  out?: string;
  reportsDir: string;
  seed?: number;
  progress: boolean;
  aa: boolean;
  envoy?: string;
  calibrate: boolean;
  context?: string;
  kubeconfig?: string;
}

export async function runCommand(args: RunArgs, out: CliOutput, signal: AbortSignal): Promise<number> {
  const loaded = await loadScenarioFile(args.scenario);
  const view = createProgressView(out.stderr, args.progress);
  let runDir: string | undefined;
  const onProgress = (e: ProgressEvent) => {
    if (e.kind === 'run-started') runDir = e.runDir;
    view.onEvent(e);
  };
  const common = { scenarioFile: args.scenario, runDir: args.out, reportsDir: args.reportsDir, seed: args.seed, signal, onProgress };
  try {
    if (isKubernetesScenario(loaded) && args.aa) throw new InvalidInputError('--aa is for local scenarios; on Kubernetes add a variant with copyOf: <variant>');
    const outcome = isKubernetesScenario(loaded)
      ? await runKubernetesScenario({ ...common, scenario: loaded, cluster: { kubeconfigPath: args.kubeconfig, context: args.context } })
      : await runScenario({
          ...common,
          scenario: args.aa ? withAaCopy(loaded) : loaded,
          proxyBinaries: args.envoy ? { envoy: path.resolve(args.envoy) } : undefined,
          calibrate: args.calibrate,
        });
    view.stop();
    const built = await buildReport(outcome.runDir);
    out.stdout.write(`results: ${outcome.runDir}\nsummary: ${built.summaryCsvPath}\nhtml: ${built.htmlPath}\nreport: ${built.markdownPath}\n`);
    const violated = built.analysis.sloChecks.filter((c) => c.status === 'violated');
    if (violated.length) {
      for (const c of violated)
        out.stderr.write(`SLO violated: ${c.objective} ${c.estimate.toFixed(3)} (interval ${c.low.toFixed(3)}–${c.high.toFixed(3)}) > ${c.limit} for ${c.variant} at ${c.level} on ${c.tier}\n`);
      return ExitCode.gateFailed;
    }
    return ExitCode.ok;
  } catch (err) {
    view.stop();
    // Whatever finished is on disk; say where, and rebuild the report from it when possible.
    if (runDir) {
      out.stderr.write(`finished trials are kept in ${runDir}/trials.jsonl\n`);
      try {
        const built = await buildReport(runDir);
        out.stderr.write(`partial report: ${built.markdownPath}\n`);
      } catch (reportErr) {
        out.stderr.write(`(no partial report: ${(reportErr as Error).message})\n`);
      }
    }
    throw err;
  }
}

/** `--aa`: run the baseline twice under two names, so the report can state the noise floor. */
export function withAaCopy(scenario: Scenario): Scenario {
  const baseline = baselineVariant(scenario);
  const name = `${baseline.name}-copy`;
  if (scenario.variants.some((v) => v.name === name)) return scenario;
  return { ...scenario, variants: [...scenario.variants, variantSchema.parse({ name, copyOf: baseline.name })] };
}
