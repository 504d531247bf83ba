/**
 * Small, hand-made analysed results for the chart golden tests: fixed numbers, so a golden
 * file changes only when a chart spec changes, not when the statistics are tuned.
 */
import type { CellSummary } from '../../src/analysis/cell-summary.js';
import { encodeHistogram, histogramFromValuesUs } from '../../src/analysis/histograms.js';
import type { Overhead } from '../../src/analysis/overhead.js';
import type { SampleRecord, TrialRecord } from '../../src/results/schema.js';
import { makeTrial } from '../helpers/trial-factory.js';

function overhead(metric: string, deltaMedian: number, low: number, high: number, pairs = 6): Overhead {
  return {
    metric,
    unit: metric === 'achievedRps' ? 'req/s' : 'ms',
    higherIsWorse: metric !== 'achievedRps',
    baselineMedian: 1,
    variantMedian: 1 + deltaMedian,
    deltaMedian,
    deltaLow: low,
    deltaHigh: high,
    relativePct: deltaMedian * 100,
    relativeLowPct: low * 100,
    relativeHighPct: high * 100,
    pairs,
    unpairedRepetitions: [],
    deltas: [low, deltaMedian, high],
    relatives: [low * 100, deltaMedian * 100, high * 100],
    // What n pairs reach for a median's order-statistic interval: 1 − 2·2^−n.
    confidence: 1 - 2 * 2 ** -pairs,
    requestedConfidence: 0.95,
    reachesRequested: 1 - 2 * 2 ** -pairs >= 0.95,
  };
}

export function cell(tier: string, connections: number, variant: string, scale: number, pairs = 6): CellSummary {
  const isBaseline = variant === 'baseline';
  const p50 = 0.2 * scale;
  return {
    tier,
    connections,
    loadMode: 'closed',
    level: connections,
    variant,
    isBaseline,
    trials: 3,
    requestsTotal: 30_000 * connections,
    achievedRpsMean: (5_000 * connections) / scale,
    achievedRpsMin: (4_900 * connections) / scale,
    achievedRpsMax: (5_100 * connections) / scale,
    pooled: { latencyP50Ms: p50, latencyP90Ms: p50 * 2, latencyP99Ms: p50 * 4, latencyP999Ms: p50 * 8, latencyP9999Ms: p50 * 12, latencyMaxMs: p50 * 20, latencyMeanMs: p50 * 1.2, count: 30_000 * connections },
    errorRatePct: 0,
    proxyCpuMsPer1kRequestsMedian: isBaseline ? null : 50 * scale,
    proxyRssPeakBytesMedian: isBaseline ? null : 30 * 1024 * 1024 * scale,
    loadgenCpuPctOfCoreMedian: 60,
    node: { userPct: 40, systemPct: 20 * scale, softirqPct: 10, iowaitPct: 0.5, stealPct: tier === 'shared' ? 4 : 0, foreignCpuPct: 1, psiCpuSomePct: 12 },
    probesPassed: isBaseline ? 0 : 12,
    probesTotal: isBaseline ? 0 : 12,
    trialsStartedBusy: 0,
    flaggedTrials: 0,
    cpuThrottledPctMedian: null,
    flagCounts: {},
    overhead: isBaseline
      ? {}
      : {
          latencyP50Ms: overhead('latencyP50Ms', p50 - 0.2, p50 - 0.25, p50 - 0.15, pairs),
          latencyP99Ms: overhead('latencyP99Ms', (p50 - 0.2) * 4, (p50 - 0.2) * 3, (p50 - 0.2) * 6, pairs),
        },
  };
}

/** Two tiers, two levels, baseline and two meshed variants; one meshed cell with too few pairs for an interval. */
export function syntheticCells(): CellSummary[] {
  const cells: CellSummary[] = [];
  for (const tier of ['shared', 'dedicated'])
    for (const connections of [1, 16]) {
      const load = connections === 16 ? 1.5 : 1;
      const noisy = tier === 'shared' ? 1.3 : 1;
      cells.push(cell(tier, connections, 'baseline', load * noisy));
      cells.push(cell(tier, connections, 'haproxy-mtls', 2 * load * noisy));
      cells.push(cell(tier, connections, 'envoy-mtls', 2.4 * load * noisy, tier === 'shared' && connections === 16 ? 2 : 6));
    }
  return cells;
}

/** Trials whose histograms hold a known spread of latencies: 1,000 values per trial. */
export function syntheticTrials(): TrialRecord[] {
  const trials: TrialRecord[] = [];
  for (const variant of ['baseline', 'haproxy-mtls'])
    for (const repetition of [1, 2]) {
      const base = variant === 'baseline' ? 200 : 500;
      const values = Array.from({ length: 1000 }, (_, i) => base + i * (i > 990 ? 20 : 1));
      trials.push({
        ...makeTrial({ variant, repetition, connections: 4, tier: 'dedicated', latencyP50Ms: base / 1000 }),
        requestsTotal: values.length,
        histogram: { encoding: 'hdr-compressed-base64', unit: 'us', data: encodeHistogram(histogramFromValuesUs(values)) },
      });
    }
  return trials;
}

/** A 3.5 s trial with a stall in its third second, and 1 Hz node samples including one from the warm-up. */
export function syntheticSeriesTrial(): { trial: TrialRecord; samples: SampleRecord[] } {
  const trial: TrialRecord = {
    ...makeTrial({ variant: 'haproxy-mtls', repetition: 2, connections: 16, tier: 'shared', latencyP50Ms: 0.5, latencyP99Ms: 3 }),
    trialId: 't0007-shared-haproxy-mtls-c16-r2',
    windowMs: 3500,
    achievedRps: 9000,
    perSecond: [
      { second: 0, requests: 10_000, latencyP50Ms: 0.5, latencyP99Ms: 2.1, latencyMaxMs: 4 },
      { second: 1, requests: 9_800, latencyP50Ms: 0.5, latencyP99Ms: 2.4, latencyMaxMs: 5 },
      // second 2: no request completed (a stall)
      { second: 3, requests: 4_000, latencyP50Ms: 0.6, latencyP99Ms: 48, latencyMaxMs: 210 },
    ],
  };
  const sample = (tMs: number, stealPct: number, psiCpuSomePct: number): SampleRecord => ({
    schemaVersion: 1,
    kind: 'sample',
    runId: trial.runId,
    trialId: trial.trialId,
    tMs,
    node: { ...trial.node, stealPct, iowaitPct: 0.2, psiCpuSomePct, psiIoSomePct: 0.1 },
    processes: [],
  });
  const other = { ...sample(1000, 99, 99), trialId: 'another-trial' };
  return { trial, samples: [sample(-500, 0, 5), sample(1000, 0.5, 10), sample(2000, 35, 80), sample(3000, 2, 20), other] };
}

/** A capacity search on tier shared: three probe rates, the last one past the SLO, and a confirmation. */
export function syntheticCapacitySearch(): TrialRecord[] {
  const step = (requestedRps: number, p99: number, phase: 'probe' | 'bisect' | 'confirm', metSlo: boolean, index: number): TrialRecord => ({
    ...makeTrial({ variant: 'haproxy-mtls', repetition: 1, tier: 'shared', latencyP50Ms: p99 / 4, latencyP99Ms: p99 }),
    index,
    loadMode: 'open',
    requestedRps,
    achievedRps: requestedRps * 0.99,
    requestsTotal: requestedRps * 2,
    capacityStep: { searchId: 'shared-haproxy-mtls-r1', phase, metSlo },
  });
  return [step(5_000, 1.1, 'probe', true, 0), step(10_000, 2.2, 'probe', true, 1), step(20_000, 4.1, 'probe', true, 2), step(40_000, 30, 'probe', false, 3), step(21_000, 4.8, 'confirm', true, 4)];
}
