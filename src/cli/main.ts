/**
 * The meshbench command line: the only place that prints and decides exit codes.
 * Exit codes: 0 ok · 1 internal error · 2 invalid input · 3 environment/backend failure ·
 * 4 gate failed · 5 gate inconclusive · 130 interrupted.
 */
import yargs from 'yargs';
import { ExitCode, MeshbenchError, InvalidInputError } from '../errors.js';
import { toolVersion } from '../version.js';
import { calibrateCommand } from './commands/calibrate.js';
import { compareCommand } from './commands/compare.js';
import { destroyCommand } from './commands/destroy.js';
import { planCommand, planFormats } from './commands/plan.js';
import { doctorCommand } from './commands/doctor.js';
import { defaultGateMetrics, defaultGateThresholdPct, gateCommand } from './commands/gate.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { schemaCommand } from './commands/schema.js';
import { validateCommand } from './commands/validate.js';
import { processOutput, type CliOutput } from './output.js';
import { parseFlagLimitOptions } from './flag-limit-option.js';

export async function main(argv: string[], out: CliOutput = processOutput): Promise<number> {
  const abort = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      out.stderr.write('\ninterrupted: stopping the load and every process this run started (Ctrl-C again to quit at once)\n');
      abort.abort();
    } else {
      out.stderr.write('quitting without cleanup; run `meshbench destroy --all` to stop what is left\n');
      process.exit(ExitCode.interrupted);
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  let exitCode: number = ExitCode.ok;
  const cli = yargs(argv)
    .scriptName('meshbench')
    .version(toolVersion)
    .strict()
    .exitProcess(false)
    .fail((message, err) => {
      throw err ?? new InvalidInputError(message);
    })
    .command(
      'run <scenario>',
      'run a scenario and write a result folder and report',
      (y) =>
        y
          .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario YAML file' })
          .option('out', { type: 'string', describe: 'result folder (default: <reports-dir>/<runId>)' })
          .option('reports-dir', { type: 'string', default: 'reports', describe: 'where run folders are created' })
          .option('seed', { type: 'number', describe: 'seed for the trial order (replays an earlier run\'s order)' })
          .option('envoy', { type: 'string', describe: 'the envoy binary to use (default: envoy on PATH)' })
          .option('context', { type: 'string', describe: 'kubernetes backend: kubeconfig context (a tier\'s own context wins)' })
          .option('kubeconfig', { type: 'string', describe: 'kubernetes backend: kubeconfig file (default: $KUBECONFIG or ~/.kube/config)' })
          .option('calibrate', { type: 'boolean', default: false, describe: 'measure this host as an instrument first and record it with the host facts' })
          .option('aa', { type: 'boolean', default: false, describe: 'also run a copy of the baseline (A/A) to measure this machine\'s noise floor' })
          .option('progress', { type: 'boolean', default: true, describe: 'show progress (--no-progress to hide)' }),
      async (a) => {
        exitCode = await runCommand({ scenario: a.scenario, out: a.out, reportsDir: a.reportsDir, seed: a.seed, progress: a.progress, aa: a.aa, envoy: a.envoy, calibrate: a.calibrate, context: a.context, kubeconfig: a.kubeconfig }, out, abort.signal);
      },
    )
    .command(
      'validate <files..>',
      'check scenario files; every problem is listed as file:line:col',
      (y) => y.positional('files', { type: 'string', array: true, demandOption: true }),
      async (a) => {
        exitCode = await validateCommand(a.files, out);
      },
    )
    .command(
      'calibrate',
      'measure this host as an instrument: latency floor, driver ceiling, open-loop timing',
      (y) =>
        y
          .option('out', { type: 'string', describe: 'also write the figures as JSON' })
          .option('seconds', { type: 'number', default: 3, describe: 'length of each measurement' }),
      async (a) => {
        exitCode = await calibrateCommand({ out: a.out, seconds: a.seconds }, out);
      },
    )
    .command('doctor', 'what this machine can run; exit 3 when the quickstart cannot', {}, async () => {
      exitCode = await doctorCommand(out);
    })
    .command('schema', 'print the scenario JSON Schema (for editors)', {}, () => {
      exitCode = schemaCommand(out);
    })
    .command(
      'report <runDir>',
      'rebuild report.md and summary.csv from a result folder, without rerunning',
      (y) =>
        y
          .positional('runDir', { type: 'string', demandOption: true })
          .option('exclude-flagged', { type: 'boolean', default: false, describe: 'leave out trials that crossed a flag limit' })
          .option('flag-limit', { type: 'string', array: true, default: [], describe: 'NAME=NUMBER: a flag limit instead of the scenario\'s (flags are recomputed from the records), e.g. stealPct=2' }),
      async (a) => {
        exitCode = await reportCommand(a.runDir, { excludeFlagged: a.excludeFlagged, flagLimits: parseFlagLimitOptions(a.flagLimit) }, out);
      },
    )
    .command(
      'gate <reference> [candidate]',
      'did overhead get worse from the reference run to the candidate run (or, given one run and --map NEW=OLD, from one variant to another in it)? exit 0 no, 4 yes, 5 too noisy to tell',
      (y) =>
        y
          .positional('reference', { type: 'string', demandOption: true, describe: 'result folder before the change' })
          .positional('candidate', { type: 'string', describe: 'result folder after the change; leave out to compare variants within the reference run' })
          .option('threshold-pct', { type: 'number', default: defaultGateThresholdPct, describe: 'smallest change that matters: percent of the reference overhead (points with --basis ratio)' })
          .option('basis', { type: 'string', default: 'added', describe: 'latency overhead as added ms over the baseline (added) or as a ratio to it (ratio)' })
          .option('metrics', {
            type: 'string',
            array: true,
            default: [...defaultGateMetrics],
            describe:
              'figures to compare: latencyP50Ms (p50), latencyP99Ms (p99), proxyToAppCpuRatio (cpu-app: proxy CPU over the app\'s in the same trial), proxyCpuMsPer1kRequests (cpu); p99 needs many repetitions on a shared host',
          })
          .option('map', { type: 'string', array: true, default: [], describe: 'NEW=OLD: a renamed variant (two runs), or the variants to compare (one run)' })
          .option('exclude-flagged', { type: 'boolean', default: false, describe: 'leave out trials that crossed a flag limit' })
          .option('flag-limit', { type: 'string', array: true, default: [], describe: 'NAME=NUMBER: a flag limit instead of the scenario\'s (flags are recomputed from the records)' })
          .option('alpha', { type: 'number', default: 0.05, describe: 'error rate of each kind of claim: false regression (family-wise, Holm) and false pass (each figure one-sided)' }),
      async (a) => {
        exitCode = await gateCommand(
          { reference: a.reference, candidate: a.candidate, thresholdPct: a.thresholdPct, metrics: a.metrics, map: a.map, excludeFlagged: a.excludeFlagged, basis: a.basis, alpha: a.alpha, flagLimits: parseFlagLimitOptions(a.flagLimit) },
          out,
        );
      },
    )
    .command(
      'compare <runDirs..>',
      'merge result folders from different machines or tiers into one side-by-side report',
      (y) =>
        y
          .positional('runDirs', { type: 'string', array: true, demandOption: true, describe: 'result folders, e.g. one per tier' })
          .option('out', { type: 'string', describe: 'where to write (default: <reports-dir>/compare-<scenario>-<tier>-vs-<tier>)' })
          .option('reports-dir', { type: 'string', default: 'reports', describe: 'where the default output folder is created' })
          .option('force', { type: 'boolean', default: false, describe: 'compare even when topology, variants or load differ' })
          .option('exclude-flagged', { type: 'boolean', default: false, describe: 'leave out trials that crossed a flag limit' }),
      async (a) => {
        exitCode = await compareCommand({ runDirs: a.runDirs, out: a.out, reportsDir: a.reportsDir, force: a.force, excludeFlagged: a.excludeFlagged }, out);
      },
    )
    .command(
      'plan [runDirs..]',
      'node plan and monthly bill per hosting tier, from an inventory and result folders',
      (y) =>
        y
          .positional('runDirs', { type: 'string', array: true, default: [] as string[], describe: 'result folders; several merge by tier' })
          .option('inventory', { type: 'string', demandOption: true, describe: 'inventory YAML: services, node plans per tier, prices' })
          .option('format', { choices: planFormats, default: 'md' as const, describe: 'md or json' })
          .option('out', { type: 'string', describe: 'write the plan to this file instead of stdout' }),
      async (a) => {
        exitCode = await planCommand({ inventory: a.inventory, runDirs: a.runDirs, format: a.format, out: a.out }, out);
      },
    )
    .command(
      'destroy [runId]',
      'stop every process left behind by a crashed run',
      (y) =>
        y
          .positional('runId', { type: 'string' })
          .option('all', { type: 'boolean', default: false, describe: 'every meshbench run' })
          .option('context', { type: 'string', describe: 'kubeconfig context to clean up in' })
          .option('kubeconfig', { type: 'string', describe: 'kubeconfig file' }),
      async (a) => {
        exitCode = await destroyCommand({ runId: a.runId, all: a.all, context: a.context, kubeconfig: a.kubeconfig }, out);
      },
    )
    .demandCommand(1, 'name a command: run, validate, calibrate, doctor, schema, report, compare, gate, plan or destroy')
    .help();

  try {
    await cli.parseAsync();
    return exitCode;
  } catch (err) {
    return reportError(err, out);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

function reportError(err: unknown, out: CliOutput): number {
  if (err instanceof MeshbenchError) {
    out.stderr.write(`meshbench: ${err.message}\n`);
    if (err instanceof InvalidInputError) for (const p of err.problems) out.stderr.write(`  ${p}\n`);
    if (err.hint) out.stderr.write(`hint: ${err.hint}\n`);
    return err.exitCode;
  }
  out.stderr.write(`meshbench: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return ExitCode.internal;
}
