/**
 * A whole run: plan the trials, then per tier prepare the backend, deploy every variant,
 * run the trials in their planned (interleaved, seeded) order and append each record the
 * moment it is finished. Teardown always runs: on success, on error and on Ctrl-C (the
 * caller aborts `signal`); finished trials stay in trials.jsonl.
 */
import type { Backend, Component, Deployment } from '../backends/backend.js';
import { LocalBackend } from '../backends/local/local-backend.js';
import { InterruptedError } from '../errors.js';
import { closedLoopGenerator } from '../load/closed-loop.js';
import type { LoadGenerator, LoadLevel } from '../load/load-generator.js';
import { openLoopGenerator, type OpenLoadLevel } from '../load/open-loop.js';
import { meetsSlo, searchCapacity, type CapacitySlo } from '../analysis/capacity.js';
import type { ProxyKind } from '../proxies/sidecar-spec.js';
import type { RunRecord, TrialRecord } from '../results/schema.js';
import { RunSession } from '../results/run-session.js';
import { newRunRecord } from '../results/new-run-record.js';
import { effectiveVariant, type FlagLimits, type Scenario, type TierConfig } from '../scenario/schema.js';
import { collectHostFacts } from '../sampling/host-facts.js';
import { calibrate } from '../calibration/calibrate.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { diffSnapshots, takeSnapshot } from '../sampling/window.js';
import { clockTicksPerSecond } from '../sampling/proc-reader.js';
import type { ProgressListener } from './progress.js';
import { startRun } from './run-start.js';
import { runTrial } from './run-trial.js';

export interface RunOptions {
  scenario: Scenario;
  scenarioFile: string;
  /** Folder that receives `<runId>/`; ignored when `runDir` is given. */
  reportsDir?: string;
  runDir?: string;
  seed?: number;
  signal: AbortSignal;
  onProgress?: ProgressListener;
  createBackend?: (runId: string, scenario: Scenario, tier: TierConfig) => Backend;
  /** Measure the host as an instrument before the first trial and record it with the host facts. */
  calibrate?: boolean;
  /** Explicit proxy binaries for the local backend (`--envoy PATH`). */
  proxyBinaries?: Partial<Record<ProxyKind, string>>;
  loadGenerator?: LoadGenerator;
}

export interface RunOutcome {
  runId: string;
  runDir: string;
  trials: TrialRecord[];
}

export async function runScenario(options: RunOptions): Promise<RunOutcome> {
  const { scenario, signal } = options;
  const progress = options.onProgress ?? (() => undefined);
  const { seed, runId, runDir, plan } = startRun(scenario, options);
  const createBackend = options.createBackend ?? ((id, s, tier) => new LocalBackend({ runId: id, scenario: s, tier, proxyBinaries: options.proxyBinaries }));
  const loadGenerator = options.loadGenerator ?? closedLoopGenerator;
  const clkTck = (await clockTicksPerSecond()).ticksPerSecond;

  // The folder is created only once the backend is prepared: a missing proxy leaves nothing behind.
  const session = new RunSession(runDir);

  await session.guard(signal, async () => {
    for (const tier of scenario.tiers) {
      const backend = createBackend(runId, scenario, tier);
      try {
        progress({ kind: 'step', message: `tier ${tier.name}: checking what the scenario needs` });
        await backend.prepare();
        if (!session.started) {
          progress({ kind: 'step', message: 'collecting host facts' });
          const host = await collectHostFacts({ proxies: backend instanceof LocalBackend ? backend.proxyVersions() : {} });
          progress({ kind: 'step', message: 'measuring the idle host (steal, iowait) for 2 s' });
          host.idleBaseline = await idleBaseline(signal);
          if (options.calibrate) {
            progress({ kind: 'step', message: 'calibrating this host as an instrument' });
            host.calibration = await calibrate({ runId });
          }
          await session.start(newRunRecord({ runId, seed, scenarioFile: options.scenarioFile, scenario, tiers: scenario.tiers.map((t) => t.name), host, plannedTrials: plan.length }));
          progress({ kind: 'run-started', runId, runDir, plannedTrials: plan.length, seed });
        }
        const contention = backend.contentionRecord?.();
        if (contention) await session.update((run) => ({ ...run, contention: { ...run.contention, [tier.name]: contention } }));
        const deployments = new Map<string, Deployment>();
        for (const variant of scenario.variants) {
          if (signal.aborted) throw new InterruptedError();
          progress({ kind: 'step', message: `tier ${tier.name}: deploying ${variant.name}` });
          deployments.set(variant.name, await backend.deploy(effectiveVariant(scenario, variant)));
        }
        const harness: Component = { name: 'meshbench', role: 'harness', pod: 'meshbench', program: 'node', rootPid: process.pid };
        // The tier's noisy neighbours are part of the run, so their CPU is not counted as foreign.
        const background = (await backend.backgroundComponents?.()) ?? [];
        const runProcesses = () => [...background, ...[...deployments.values()].flatMap((d) => d.components.map((c) => ({ ...c, name: `${d.variant.name}:${c.name}` })))];
        for (const planned of plan.filter((t) => t.tier === tier.name)) {
          if (signal.aborted) throw new InterruptedError();
          progress({ kind: 'trial-started', trial: planned, total: plan.length });
          /** Runs one trial and appends its record; `capacity` marks it as a step of a search. */
          const measure = async (
            level: LoadLevel,
            generator: LoadGenerator,
            capacity?: { searchId: string; stepId: string; phase: 'probe' | 'bisect' | 'confirm'; slo: CapacitySlo },
          ) => {
            const trial = capacity ? { ...planned, trialId: capacity.stepId } : planned;
            const { record, samples } = await runTrial(trial, {
              runId,
              deployment: deployments.get(planned.variant)!,
              runProcesses,
              backend,
              harness,
              loadGenerator: generator,
              level,
              quiescence: { limitPct: scenario.quiescence.foreignCpuLimitPct, maxWaitMs: scenario.quiescence.maxWaitSeconds * 1000 },
              flagLimits: tierFlagLimits(scenario.flagLimits, tier),
              clockTicksPerSecond: clkTck,
              signal,
              onWaiting: (foreignCpuPct) => progress({ kind: 'waiting-for-quiet', foreignCpuPct, limitPct: scenario.quiescence.foreignCpuLimitPct }),
            });
            if (capacity) record.capacityStep = { searchId: capacity.searchId, phase: capacity.phase, metSlo: meetsSlo(record, capacity.slo) };
            await session.appendTrial(record, samples);
            progress({
              kind: 'trial-finished',
              trial,
              total: plan.length,
              achievedRps: record.achievedRps,
              latencyP50Ms: record.latencyP50Ms,
              latencyP99Ms: record.latencyP99Ms,
              flags: [
                ...(record.capacityStep ? [`capacity ${record.capacityStep.phase} at ${record.requestedRps} req/s: ${record.capacityStep.metSlo ? 'met' : 'missed'} the SLO`] : []),
                ...(record.quiescence.reached ? [] : ['host not quiet']),
                ...record.flags.map((f) => f.message),
              ],
            });
            return record;
          };
          const load = scenario.load;
          if (load.mode === 'capacity') {
            const searchId = planned.trialId;
            let stepIndex = 0;
            await searchCapacity({
              startRps: load.startRps,
              maxRps: load.maxRps,
              precisionPct: load.precisionPct,
              slo: load.slo,
              step: async (rps, phase) => {
                const stepId = `${searchId}-s${++stepIndex}`;
                const level: OpenLoadLevel = {
                  connections: load.maxConnections,
                  ratePerSecond: rps,
                  arrival: load.arrival,
                  maxConnections: load.maxConnections,
                  seed,
                  durationSeconds: phase === 'confirm' ? load.confirmSeconds : load.durationSeconds,
                  warmupSeconds: load.warmupSeconds,
                  requestTimeoutSeconds: load.requestTimeoutSeconds,
                  processes: load.processes,
                };
                return measure(level, openLoopGenerator, { searchId, stepId, phase, slo: load.slo });
              },
            });
          } else if (load.mode === 'open') {
            const level: OpenLoadLevel = {
              connections: load.maxConnections,
              ratePerSecond: planned.requestedRps!,
              arrival: load.arrival,
              maxConnections: load.maxConnections,
              seed,
              durationSeconds: load.durationSeconds,
              warmupSeconds: load.warmupSeconds,
              requestTimeoutSeconds: load.requestTimeoutSeconds,
              processes: load.processes,
            };
            await measure(level, openLoopGenerator);
          } else {
            await measure(
              {
                connections: planned.connections,
                durationSeconds: load.durationSeconds,
                warmupSeconds: load.warmupSeconds,
                requestTimeoutSeconds: load.requestTimeoutSeconds,
                processes: load.processes,
              },
              loadGenerator,
            );
          }
        }
      } finally {
        progress({ kind: 'step', message: `tier ${tier.name}: stopping everything this run started` });
        await backend.teardown();
      }
    }
  });
  return { runId, runDir, trials: session.trials };
}

/** Steal and iowait with nothing of the run going yet: the floor a trial's figures sit on. */
async function idleBaseline(signal: AbortSignal): Promise<NonNullable<RunRecord['host']['idleBaseline']>> {
  const harness = [{ name: 'meshbench', role: 'harness' as const, pod: 'meshbench', program: 'node', rootPid: process.pid }];
  const clk = (await clockTicksPerSecond()).ticksPerSecond;
  const before = await takeSnapshot(harness);
  await sleep(2000, undefined, { signal });
  const { node } = diffSnapshots(before, await takeSnapshot(harness), clk);
  return { windowMs: node.windowMs, stealPct: node.stealPct, iowaitPct: node.iowaitPct, foreignCpuPct: node.foreignCpuPct, psiCpuSomePct: node.psiCpuSomePct };
}

/**
 * An emulated tier's own contention is the point of it, not a reason to distrust its trials:
 * an I/O neighbour's iowait is not flagged on its tier (its CPU neighbour is already not
 * foreign: it is part of the run).
 */
function tierFlagLimits(limits: FlagLimits, tier: TierConfig): FlagLimits {
  return tier.contention?.ioNeighbour ? { ...limits, iowaitPct: 100 } : limits;
}
