/**
 * trials.csv: one row per trial, in the order given (trials.jsonl's is the order they ran). Every column
 * carries its unit in its name; docs/reports.md describes each one. Per-trial percentiles are
 * the trial's own (a cell's pooled percentiles are in summary.csv).
 */
import { stringify } from 'csv-stringify/sync';
import type { ProcessRole, TrialRecord } from '../results/schema.js';

export const trialColumns = [
  'runId',
  'trialId',
  'index',
  'tier',
  'variant',
  'repetition',
  'loadMode',
  'connections',
  'requestedRps',
  'capacityStep',
  'startedAt',
  'durationSecondsRequested',
  'warmupSecondsRequested',
  'windowMs',
  'requestsTotal',
  'achievedRps',
  'latencyP50Ms',
  'latencyP90Ms',
  'latencyP99Ms',
  'latencyP999Ms',
  'latencyMaxMs',
  'latencyMeanMs',
  'connectionErrors',
  'timeouts',
  'non2xx',
  'errorRatePct',
  'proxyCount',
  'proxyCpuMsPer1kRequests',
  'proxyCpuPctOfCore',
  'proxyRssPeakMb',
  'appCpuPctOfCore',
  'loadgenCpuPctOfCore',
  'userPct',
  'systemPct',
  'softirqPct',
  'iowaitPct',
  'stealPct',
  'busyPct',
  'foreignCpuPct',
  'psiCpuSomePct',
  'psiIoSomePct',
  'psiMemorySomePct',
  'memUsedMb',
  'diskReadMb',
  'diskWriteMb',
  'quiescenceReached',
  'quiescenceWaitedMs',
  'verificationPassed',
  'probesPassed',
  'probesTotal',
] as const;

export type TrialRow = Record<(typeof trialColumns)[number], string | number | boolean>;

export function trialRow(t: TrialRecord): TrialRow {
  const mb = (bytes: number | null) => (bytes === null ? '' : round(bytes / 1024 / 1024, 2));
  // All processes of a role together (with load.processes > 1 the load generator's can pass 100).
  const cpuOf = (role: ProcessRole) => {
    const ofRole = t.processes.filter((p) => p.role === role);
    return ofRole.length ? round(ofRole.reduce((sum, p) => sum + p.cpuPctOfCore, 0), 1) : '';
  };
  const busiestOf = (role: ProcessRole) => {
    const ofRole = t.processes.filter((p) => p.role === role);
    return ofRole.length ? round(Math.max(...ofRole.map((p) => p.cpuPctOfCore)), 1) : '';
  };
  return {
    runId: t.runId,
    trialId: t.trialId,
    index: t.index,
    tier: t.tier,
    variant: t.variant,
    repetition: t.repetition,
    loadMode: t.loadMode,
    connections: t.connections,
    requestedRps: t.requestedRps ?? '',
    capacityStep: t.capacityStep ? `${t.capacityStep.phase}${t.capacityStep.metSlo ? ' met' : ' missed'}` : '',
    startedAt: t.startedAt,
    durationSecondsRequested: t.durationSecondsRequested,
    warmupSecondsRequested: t.warmupSecondsRequested,
    windowMs: round(t.windowMs, 1),
    requestsTotal: t.requestsTotal,
    achievedRps: round(t.achievedRps, 1),
    latencyP50Ms: round(t.latencyP50Ms, 4),
    latencyP90Ms: round(t.latencyP90Ms, 4),
    latencyP99Ms: round(t.latencyP99Ms, 4),
    latencyP999Ms: round(t.latencyP999Ms, 4),
    latencyMaxMs: round(t.latencyMaxMs, 4),
    latencyMeanMs: round(t.latencyMeanMs, 4),
    connectionErrors: t.errors.connectionErrors,
    timeouts: t.errors.timeouts,
    non2xx: t.errors.non2xx,
    errorRatePct: round(t.errorRatePct, 4),
    proxyCount: t.processes.filter((p) => p.role === 'proxy').length,
    proxyCpuMsPer1kRequests: t.proxyCpuMsPer1kRequests === null ? '' : round(t.proxyCpuMsPer1kRequests, 2),
    proxyCpuPctOfCore: cpuOf('proxy'),
    proxyRssPeakMb: mb(t.proxyRssPeakBytes),
    appCpuPctOfCore: cpuOf('app'),
    // The busiest driver process, as the loadgen-saturated flag reads it: with load.processes > 1 a sum could pass 100.
    loadgenCpuPctOfCore: busiestOf('loadgen'),
    userPct: round(t.node.userPct, 2),
    systemPct: round(t.node.systemPct, 2),
    softirqPct: round(t.node.softirqPct, 2),
    iowaitPct: round(t.node.iowaitPct, 2),
    stealPct: round(t.node.stealPct, 2),
    busyPct: round(t.node.busyPct, 2),
    foreignCpuPct: round(t.node.foreignCpuPct, 2),
    psiCpuSomePct: t.node.psiCpuSomePct === null ? '' : round(t.node.psiCpuSomePct, 2),
    psiIoSomePct: t.node.psiIoSomePct === null ? '' : round(t.node.psiIoSomePct, 2),
    psiMemorySomePct: t.node.psiMemorySomePct === null ? '' : round(t.node.psiMemorySomePct, 2),
    memUsedMb: mb(t.node.memUsedBytes),
    diskReadMb: mb(t.node.diskReadBytes),
    diskWriteMb: mb(t.node.diskWriteBytes),
    quiescenceReached: t.quiescence.reached,
    quiescenceWaitedMs: t.quiescence.waitedMs,
    verificationPassed: t.verification.passed,
    probesPassed: t.verification.probes.filter((p) => p.passed).length,
    probesTotal: t.verification.probes.length,
  };
}

export function renderTrialsCsv(trials: readonly TrialRecord[]): string {
  // csv-stringify writes booleans as 1 and an empty cell by default; spreadsheets read true/false better.
  return stringify(trials.map(trialRow), { header: true, columns: [...trialColumns], cast: { boolean: (v) => String(v) } });
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}
