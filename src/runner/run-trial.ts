/**
 * One trial: quiet host → verify the deployment → warm up → measured window with the load
 * running and the 1 Hz sampler on → record. The /proc window opens when the load agent
 * starts measuring and closes as soon as it reports the window over.
 */
import type { Backend, Component, Deployment } from '../backends/backend.js';
import { throttlingBetween } from '../backends/local/contention/cpu-throttling.js';
import { MeshbenchError, ExitCode, InterruptedError } from '../errors.js';
import type { LoadGenerator, LoadLevel } from '../load/load-generator.js';
import type { SampleRecord, TrialRecord } from '../results/schema.js';
import { resultSchemaVersion } from '../results/schema.js';
import type { PlannedTrial } from '../scenario/plan.js';
import type { FlagLimits } from '../scenario/schema.js';
import { NodeSampler } from '../sampling/node-sampler.js';
import { diffSnapshots, takeSnapshot } from '../sampling/window.js';
import { waitForQuiet } from './quiescence.js';
import { diffEnvoyStats, type EnvoyStats } from '../proxies/envoy-admin.js';
import { buildTrialRecord } from './trial-record.js';

export interface TrialContext {
  runId: string;
  deployment: Deployment;
  /** Every process the run has started, this trial's or not (for foreign-CPU accounting). */
  runProcesses: () => Component[];
  backend: Pick<Backend, 'placeLoadGenerator' | 'readThrottling'>;
  harness: Component;
  loadGenerator: LoadGenerator;
  level: LoadLevel;
  quiescence: { limitPct: number; maxWaitMs: number };
  flagLimits: FlagLimits;
  clockTicksPerSecond: number;
  signal: AbortSignal;
  onWaiting?: (foreignCpuPct: number) => void;
}

export async function runTrial(trial: PlannedTrial, ctx: TrialContext): Promise<{ record: TrialRecord; samples: SampleRecord[] }> {
  const quiescence = await waitForQuiet({
    runProcesses: ctx.runProcesses,
    limitPct: ctx.quiescence.limitPct,
    maxWaitMs: ctx.quiescence.maxWaitMs,
    clockTicksPerSecond: ctx.clockTicksPerSecond,
    signal: ctx.signal,
    onWaiting: ctx.onWaiting,
  });
  const verification = await ctx.deployment.verify();
  if (!verification.passed) {
    const failed = verification.probes.filter((p) => !p.passed).map((p) => `  ${p.name}: expected ${p.expect}, got ${p.outcome}${p.appReached ? ' (the app was reached)' : ''}`);
    throw new MeshbenchError(
      `variant ${trial.variant} failed verification; it is not measured as if it were what it claims:\n${failed.join('\n')}`,
      ExitCode.environment,
    );
  }

  const loadRun = ctx.loadGenerator.start(ctx.deployment.targetUrl, ctx.level, { MESHBENCH_RUN_ID: ctx.runId });
  // One component per driver process, so the saturation flag sees the busiest one; the first
  // keeps the single-process name.
  const loadgens: Component[] = loadRun.pids.map((pid, k) => ({
    name: k === 0 ? 'loadgen/load-agent' : `loadgen/load-agent-${k + 1}`,
    role: 'loadgen',
    pod: 'loadgen',
    program: ctx.loadGenerator.name,
    rootPid: pid,
  }));
  const trialComponents = [...ctx.deployment.components, ...loadgens, ctx.harness];
  const trialNames = new Set(trialComponents.map((c) => c.name));
  // Other variants' idle processes belong to the run, not to the neighbours.
  const trialPids = new Set(trialComponents.map((c) => c.rootPid));
  const allComponents = () => [...trialComponents, ...ctx.runProcesses().filter((c) => !trialPids.has(c.rootPid))];

  const onAbort = () => void loadRun.stop();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const samples: SampleRecord[] = [];
  const samplerErrors: unknown[] = [];
  let sampler: NodeSampler | undefined;
  try {
    // Pinned tiers keep the load generator off the pods' CPUs; it warms up before it measures.
    for (const pid of loadRun.pids) await ctx.backend.placeLoadGenerator?.(pid);
    await loadRun.warmedUp;
    const startedAt = new Date();
    const statsBefore = await ctx.deployment.readProxyStats?.();
    const throttlingBefore = await ctx.backend.readThrottling?.();
    const before = await takeSnapshot(allComponents());
    const windowStart = performance.now();
    loadRun.measure();
    sampler = new NodeSampler({ intervalMs: 1000, clkTck: ctx.clockTicksPerSecond, originMs: windowStart, onError: (e) => samplerErrors.push(e) });
    await sampler.start(allComponents, (s) =>
      samples.push({
        schemaVersion: resultSchemaVersion,
        kind: 'sample',
        runId: ctx.runId,
        trialId: trial.trialId,
        tMs: Math.round(s.tMs),
        node: s.node,
        processes: s.processes.filter((p) => trialNames.has(p.name)),
      }),
    );
    await loadRun.measured;
    const after = await takeSnapshot(allComponents());
    const statsAfter = await ctx.deployment.readProxyStats?.();
    const throttlingAfter = await ctx.backend.readThrottling?.();
    const windowMs = performance.now() - windowStart;
    const endedAt = new Date();
    await sampler.stop();
    // A broken 1 Hz series is a defect of the measurement, not something to paper over.
    if (samplerErrors.length) throw new Error(`sampling failed during ${trial.trialId}: ${String(samplerErrors[0])}`);
    const load = await loadRun.result;
    const diff = diffSnapshots(before, after, ctx.clockTicksPerSecond);
    const record = buildTrialRecord({
      runId: ctx.runId,
      trial,
      level: ctx.level,
      startedAt,
      endedAt,
      windowMs,
      load,
      node: diff.node,
      processes: diff.processes.filter((p) => trialNames.has(p.name)),
      quiescence,
      verification,
      flagLimits: ctx.flagLimits,
      perSecondNode: samples.filter((s) => s.tMs > 0).map((s) => s.node),
      proxyStats: statsBefore && statsAfter ? proxyStatsWindow(statsBefore, statsAfter) : undefined,
      cpuThrottling: throttlingBefore && throttlingAfter ? throttlingBetween(throttlingBefore, throttlingAfter) : null,
    });
    return { record, samples };
  } catch (err) {
    if (ctx.signal.aborted) throw new InterruptedError();
    throw err;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await sampler?.stop();
    await loadRun.stop();
  }
}

function proxyStatsWindow(before: Record<string, EnvoyStats>, after: Record<string, EnvoyStats>): Record<string, Record<string, number>> {
  return Object.fromEntries(
    Object.keys(after)
      .filter((name) => before[name])
      .map((name) => [name, { ...diffEnvoyStats(before[name], after[name]).totals }]),
  );
}
