/** Minimal, valid trial records for analysis tests, with the figures a test cares about. */
import { encodeHistogram, histogramFromValuesUs } from '../../src/analysis/histograms.js';
import type { TrialRecord, NodeWindow } from '../../src/results/schema.js';

export interface TrialSpec {
  variant: string;
  repetition: number;
  connections?: number;
  tier?: string;
  latencyP50Ms: number;
  latencyP99Ms?: number;
  /** Default 50. */
  achievedRps?: number;
  proxyCpuMsPer1kRequests?: number | null;
  flags?: TrialRecord['flags'];
  loadgenCpuPctOfCore?: number;
  /** Seconds the driver waited for a CPU (schedstat run queue); null: not recorded. */
  loadgenRunQueueWaitSeconds?: number | null;
}

/** A quiet node over a trial window; tests override the fields they care about. */
export const quietNode: NodeWindow = {
  windowMs: 2000,
  userPct: 30,
  nicePct: 0,
  systemPct: 20,
  idlePct: 35,
  iowaitPct: 0,
  irqPct: 0,
  softirqPct: 15,
  stealPct: 0,
  busyPct: 65,
  foreignCpuPct: 1,
  psiCpuSomePct: 10,
  psiIoSomePct: 0,
  psiIoFullPct: 0,
  psiMemorySomePct: 0,
  psiMemoryFullPct: 0,
  memTotalBytes: 8 * 2 ** 30,
  memUsedBytes: 2 * 2 ** 30,
  memAvailableBytes: 6 * 2 ** 30,
  diskReadBytes: 0,
  diskWriteBytes: 0,
  cpuCount: 2,
};

export function makeTrial(spec: TrialSpec): TrialRecord {
  const p50 = spec.latencyP50Ms;
  const p99 = spec.latencyP99Ms ?? p50 * 3;
  // 98 values at p50, 2 at p99: the histogram's percentiles then match the spec.
  const valuesUs = [...Array<number>(98).fill(p50 * 1000), p99 * 1000, p99 * 1000];
  const meshed = spec.variant !== 'baseline';
  const cpu = spec.proxyCpuMsPer1kRequests === undefined ? (meshed ? 50 : null) : spec.proxyCpuMsPer1kRequests;
  return {
    schemaVersion: 1,
    kind: 'trial',
    runId: 'test-run',
    trialId: `t-${spec.variant}-${spec.repetition}-${spec.connections ?? 1}`,
    index: 0,
    tier: spec.tier ?? 'this-host',
    variant: spec.variant,
    repetition: spec.repetition,
    loadMode: 'closed',
    connections: spec.connections ?? 1,
    durationSecondsRequested: 2,
    warmupSecondsRequested: 0.5,
    startedAt: '2026-11-26T00:00:00.000Z',
    endedAt: '2026-11-26T00:00:02.000Z',
    windowMs: 2000,
    requestsTotal: 100,
    achievedRps: spec.achievedRps ?? 50,
    latencyP50Ms: p50,
    latencyP90Ms: p50,
    latencyP99Ms: p99,
    latencyP999Ms: p99,
    latencyMaxMs: p99,
    latencyMeanMs: p50,
    histogram: { encoding: 'hdr-compressed-base64', unit: 'us', data: encodeHistogram(histogramFromValuesUs(valuesUs)) },
    errors: { connectionErrors: 0, timeouts: 0, non2xx: 0 },
    errorRatePct: 0,
    node: quietNode,
    processes: [
      { name: 'loadgen/load-agent', role: 'loadgen', pod: 'loadgen', program: 'autocannon', pids: [1], cpuSeconds: 1, cpuPctOfCore: spec.loadgenCpuPctOfCore ?? 50, rssPeakBytes: 5e7, rssEndBytes: 5e7, runQueueWaitSeconds: spec.loadgenRunQueueWaitSeconds ?? null },
      ...(meshed
        ? [{ name: 'echo/sidecar', role: 'proxy' as const, pod: 'echo', program: 'haproxy', pids: [2], cpuSeconds: 0.5, cpuPctOfCore: 25, rssPeakBytes: 2e7, rssEndBytes: 2e7, runQueueWaitSeconds: null }]
        : []),
    ],
    proxyCpuMsPer1kRequests: cpu,
    proxyRssPeakBytes: meshed ? 2e7 : null,
    quiescence: { waitedMs: 300, foreignCpuPct: 1, limitPct: 10, reached: true },
    verification: { passed: true, probes: [], notes: [] },
    perSecond: [],
    flags: spec.flags ?? [],
    proxyStats: {},
    requestedRps: null,
    loadProcesses: 1,
    openLoop: null,
    capacityStep: null,
    cpuThrottling: null,
  };
}
