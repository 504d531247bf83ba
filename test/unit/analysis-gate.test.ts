import { describe, expect, it } from 'vitest';
import { appCpuMsPer1kRequests, compareRuns, proxyToAppCpuRatio, type GateOptions } from '../../src/analysis/gate.js';
import { relativeOverheads } from '../../src/analysis/gate-figures.js';
import { decideGate } from '../../src/analysis/gate-decision.js';
import type { TrialRecord } from '../../src/results/schema.js';
import { createRng, normalSample } from '../../src/analysis/random.js';
import { makeTrial } from '../helpers/trial-factory.js';

const options: GateOptions = { metrics: ['latencyP50Ms', 'proxyCpuMsPer1kRequests'], thresholdPct: 10, variantMap: {}, excludeFlagged: false };
const baselines = { reference: 'baseline', candidate: 'baseline' };

/** A run: baseline ~1 ms with drift per repetition; the meshed variant adds `overheadPct`. */
function run(seed: number, repetitions: number, overheadPct: number, scale = 1, cpu = 50) {
  const random = createRng(seed);
  return Array.from({ length: repetitions }, (_, i) => {
    const base = scale * (1 + normalSample(random, 0, 0.05));
    const meshed = base * (1 + overheadPct / 100) * (1 + normalSample(random, 0, 0.01));
    return [
      makeTrial({ variant: 'baseline', repetition: i + 1, latencyP50Ms: base }),
      makeTrial({ variant: 'haproxy-http', repetition: i + 1, latencyP50Ms: meshed, proxyCpuMsPer1kRequests: cpu * (1 + normalSample(random, 0, 0.01)) }),
    ];
  }).flat();
}

describe('relative overhead per repetition', () => {
  it('pairs variant and baseline of the same repetition', () => {
    const trials = [makeTrial({ variant: 'baseline', repetition: 1, latencyP50Ms: 1 }), makeTrial({ variant: 'x', repetition: 1, latencyP50Ms: 1.5 })];
    const values = relativeOverheads(trials.slice(1), trials.slice(0, 1), 'latencyP50Ms');
    expect(values).toHaveLength(1);
    expect(values[0].value).toBeCloseTo(50, 0);
  });
});

describe('the gate', () => {
  it('passes a run against itself at the default threshold: identical samples, estimate 0, bounds inside ±20%', () => {
    const a = run(1, 8, 100);
    const result = compareRuns(a, a, baselines, { ...options, thresholdPct: 20 });
    expect(result.overall).toBe('pass');
    expect(result.rows.every((r) => r.verdict === 'no-change' && Math.abs(r.changePct) < 1e-9)).toBe(true);
  });

  it('with --basis ratio, ignores a uniformly 30% slower machine with the same relative overhead', () => {
    const result = compareRuns(run(1, 8, 100), run(2, 8, 100, 1.3), baselines, { ...options, metrics: ['latencyP50Ms'], basis: 'ratio' });
    expect(result.rows[0].verdict).toBe('no-change');
    expect(result.overall).toBe('pass');
  });

  it('finds a known regression (overhead 100% → 160%) with the interval covering the truth', () => {
    const result = compareRuns(run(1, 8, 100), run(2, 8, 160), baselines, { ...options, metrics: ['latencyP50Ms'], basis: 'ratio' });
    const row = result.rows[0];
    expect(row.verdict).toBe('regression');
    expect(row.changeLowPct).toBeLessThan(60);
    expect(row.changeHighPct).toBeGreaterThan(60);
    expect(result.overall).toBe('regression');
  });

  it('by default compares the added latency: a baseline that moves by a constant cancels, a slower sidecar does not', () => {
    // Added latency 1 ms on a 1 ms baseline; the candidate's baseline is 0.5 ms slower throughout.
    const shifted = run(2, 8, 100).map((t) => ({ ...t, latencyP50Ms: t.latencyP50Ms + 0.5 }));
    const same = compareRuns(run(1, 8, 100), shifted, baselines, { ...options, metrics: ['latencyP50Ms'] });
    expect(same.rows[0].basis).toBe('overhead-ms');
    // The control saw the baseline 50% slower, so a possible improvement is not claimed: not worse.
    expect(same.rows[0].verdict).toBe('not-worse');
    expect(same.overall).toBe('pass');
    // The sidecar now adds 1.6 ms instead of 1 ms: +60% of the reference's added latency.
    const slower = compareRuns(run(1, 8, 100), run(2, 8, 160), baselines, { ...options, metrics: ['latencyP50Ms'] });
    expect(slower.rows[0].verdict).toBe('regression');
    expect(slower.rows[0].changeLowPct).toBeLessThan(60);
    expect(slower.rows[0].changeHighPct).toBeGreaterThan(60);
  });

  it('compares proxy CPU per request as a percentage of the reference', () => {
    const result = compareRuns(run(1, 8, 100, 1, 50), run(2, 8, 100, 1, 60), baselines, { ...options, metrics: ['proxyCpuMsPer1kRequests'] });
    expect(result.rows[0].basis).toBe('value');
    expect(result.rows[0].changePct).toBeGreaterThan(15);
    expect(result.rows[0].verdict).toBe('regression');
  });

  it('is inconclusive with two repetitions and says how many more would decide', () => {
    const result = compareRuns(run(1, 2, 100), run(2, 2, 110), baselines, { ...options, metrics: ['latencyP50Ms'] });
    expect(result.rows[0].verdict).toBe('inconclusive');
    expect(result.overall).toBe('inconclusive');
  });

  it('leaves flagged trials out on request', () => {
    const candidate = run(2, 5, 100).map((t, i) => (i === 1 ? { ...t, flags: [{ kind: 'steal' as const, valuePct: 20, limitPct: 5, message: 'steal' }] } : t));
    const result = compareRuns(run(1, 5, 100), candidate, baselines, { ...options, metrics: ['latencyP50Ms'], excludeFlagged: true });
    expect(result.rows[0].candidateRepetitions).toBe(4);
  });

  it('maps renamed variants and reports cells missing from the reference', () => {
    const renamed = run(2, 5, 100).map((t) => (t.variant === 'haproxy-http' ? { ...t, variant: 'haproxy-http-v2' } : t));
    expect(compareRuns(run(1, 5, 100), renamed, baselines, options).unmatched).toHaveLength(1);
    const mapped = compareRuns(run(1, 5, 100), renamed, baselines, { ...options, variantMap: { 'haproxy-http-v2': 'haproxy-http' } });
    expect(mapped.rows[0].referenceVariant).toBe('haproxy-http');
  });

  it('decides one-sided: a change whose upper bound stays below +threshold passes as "not worse" even when it may be an improvement', () => {
    const log = (xs: number[]) => xs.map(Math.log);
    const decide = (reference: number[], candidate: number[]) =>
      decideGate([{ evidence: { kind: 'two-sample', scale: 'log', reference: log(reference), candidate: log(candidate) } }], { thresholdPct: 20, alpha: 0.05, maxRepetitions: 50 })[0];
    // Candidate ~25% lower but noisy: cannot be shown beyond −20%, surely not above +20%.
    const notWorse = decide([10, 11, 12, 10.5, 11.5, 9.5], [7, 9.5, 8.5, 7.5, 9, 8]);
    expect(notWorse.verdict).toBe('not-worse');
    expect(notWorse.repetitionsNeeded).toBeNull();
    // Same values: no change within ±20%.
    expect(decide([10, 11, 12, 10.5, 11.5, 9.5], [10, 11, 12, 10.5, 11.5, 9.5]).verdict).toBe('no-change');
    // Clearly 50% more: a regression.
    expect(decide([10, 11, 12, 10.5, 11.5, 9.5], [15, 16.5, 18, 15.7, 17.2, 14.2]).verdict).toBe('regression');
    // Two values a side cannot reach 95% one-sided (P(U ≤ 0) = 1/6): undecided, and it says so.
    const tiny = decide([10, 11], [10, 11]);
    expect(tiny.verdict).toBe('inconclusive');
    expect(tiny.reason).toMatch(/cannot reach 95% one-sided/);
  });

  it('controls the family-wise error of regressions with Holm: one borderline figure among many is not called', () => {
    // Each paired figure with 6 repetitions all above the threshold has p = 1/64; alone it is a regression,
    // among five figures Holm needs p ≤ 0.01 for the first: nothing is called a regression.
    const above = { evidence: { kind: 'paired' as const, scale: 'log' as const, values: [0.3, 0.31, 0.32, 0.33, 0.34, 0.35] } };
    expect(decideGate([above], { thresholdPct: 20, alpha: 0.05, maxRepetitions: 50 })[0].verdict).toBe('regression');
    const five = decideGate([above, above, above, above, above], { thresholdPct: 20, alpha: 0.05, maxRepetitions: 50 });
    expect(five.every((d) => d.verdict === 'inconclusive')).toBe(true);
    expect(five[0].pWorseAdjusted).toBeCloseTo(5 / 64, 12);
  });

  it('says "not decidable below N" rather than an absurd count, and "never" on the threshold', () => {
    const onThreshold = decideGate([{ evidence: { kind: 'paired', scale: 'log', values: [-0.2, 0.6, Math.log(1.2), -0.3, 0.7, 0.1] } }], { thresholdPct: 20, alpha: 0.05, maxRepetitions: 50 })[0];
    expect(onThreshold.verdict).toBe('inconclusive');
    expect(onThreshold.repetitionsNeeded?.kind).toMatch(/on-threshold|beyond-cap|estimate/);
    if (onThreshold.repetitionsNeeded?.kind === 'estimate') expect(onThreshold.repetitionsNeeded.repetitions).toBeLessThanOrEqual(50);
  });

  it('passes a candidate whose CPU per request fell by a noisy amount (not worse), without calling it inconclusive', () => {
    // CPU 50 → ~46 µs per request (−8%) with 15% noise per repetition: the interval straddles
    // −10% but stays below +10%.
    const random = createRng(7);
    const noisy = run(2, 6, 100, 1, 46).map((t) => (t.variant === 'haproxy-http' ? { ...t, proxyCpuMsPer1kRequests: 46 * (1 + normalSample(random, 0, 0.15)) } : t));
    const result = compareRuns(run(1, 6, 100, 1, 50), noisy, baselines, { ...options, metrics: ['proxyCpuMsPer1kRequests'] });
    const row = result.rows[0];
    expect(row.changeLowPct).toBeLessThan(-10);
    expect(row.changeHighPct).toBeLessThanOrEqual(10);
    expect(row.verdict).toBe('not-worse');
    expect(result.overall).toBe('pass');
  });
});

/**
 * A run on a machine of a given speed: every CPU second and every millisecond is `slowdown`
 * times the reference machine's. The proxy costs `proxyToApp` times the app's CPU.
 */
function machineRun(seed: number, slowdown: number, proxyToApp = 2, repetitions = 6): TrialRecord[] {
  const random = createRng(seed);
  return run(seed, repetitions, 100, slowdown).map((t) => {
    const jitter = () => 1 + normalSample(random, 0, 0.01);
    const appCpuSeconds = 0.4 * slowdown * jitter();
    const proxyCpuSeconds = t.variant === 'baseline' ? 0 : appCpuSeconds * proxyToApp * jitter();
    const app = { name: 'echo/app', role: 'app' as const, pod: 'echo', program: 'node', pids: [3], cpuSeconds: appCpuSeconds, cpuPctOfCore: 20, rssPeakBytes: 5e7, rssEndBytes: 5e7, runQueueWaitSeconds: null };
    const proxy = { name: 'echo/sidecar', role: 'proxy' as const, pod: 'echo', program: 'haproxy', pids: [2], cpuSeconds: proxyCpuSeconds, cpuPctOfCore: 25, rssPeakBytes: 2e7, rssEndBytes: 2e7, runQueueWaitSeconds: null };
    return {
      ...t,
      processes: [...t.processes.filter((p) => p.role === 'loadgen'), app, ...(t.variant === 'baseline' ? [] : [proxy])],
      proxyCpuMsPer1kRequests: t.variant === 'baseline' ? null : (proxyCpuSeconds * 1e6) / t.requestsTotal,
    };
  });
}

describe('the gate on a machine that changed speed between the runs', () => {
  it('reads proxy CPU over app CPU from the recorded processes', () => {
    const [baseline, meshed] = machineRun(1, 1, 2, 1);
    expect(proxyToAppCpuRatio(meshed!)).toBeCloseTo(2, 1);
    expect(proxyToAppCpuRatio(baseline!)).toBeNull();
    expect(appCpuMsPer1kRequests(baseline!)).toBeCloseTo(4000, -2);
  });

  it('proxy CPU per app CPU cancels a 30% slower machine; CPU per request would not, and says the machine moved', () => {
    const reference = machineRun(1, 1);
    const slower = machineRun(2, 1.3);
    const ratio = compareRuns(reference, slower, baselines, { ...options, metrics: ['proxyToAppCpuRatio'] });
    expect(ratio.rows[0]!.verdict).toBe('no-change');
    expect(ratio.rows[0]!.control).toBeNull();
    expect(ratio.overall).toBe('pass');

    const perRequest = compareRuns(reference, slower, baselines, { ...options, metrics: ['proxyCpuMsPer1kRequests'] });
    const row = perRequest.rows[0]!;
    expect(row.changeLowPct).toBeGreaterThan(options.thresholdPct);
    expect(row.verdict).toBe('inconclusive');
    expect(row.reason).toMatch(/threshold moved by the baseline's own change/);
    expect(row.control).toMatchObject({ figure: 'appCpuMsPer1kRequests', moved: true });
    expect(perRequest.overall).toBe('inconclusive');
  });

  it('still finds a proxy that got costlier on the same machine, by either CPU figure', () => {
    const reference = machineRun(1, 1, 2);
    const costlier = machineRun(2, 1, 2.6);
    for (const metric of ['proxyToAppCpuRatio', 'proxyCpuMsPer1kRequests'] as const) {
      const result = compareRuns(reference, costlier, baselines, { ...options, metrics: [metric] });
      expect(result.rows[0]!.verdict).toBe('regression');
      // The proxy's CPU went from 2× to 2.6× the app's: +30%, give or take the 1% jitter of each figure.
      expect(result.rows[0]!.changePct).toBeGreaterThan(27);
      expect(result.rows[0]!.changePct).toBeLessThan(33);
      expect(result.rows[0]!.control?.moved ?? false).toBe(false);
    }
  });

  it('does not put added latency on the mesh when the baseline itself got 30% slower', () => {
    const result = compareRuns(run(1, 8, 100), run(2, 8, 100, 1.3), baselines, { ...options, metrics: ['latencyP50Ms'] });
    const row = result.rows[0]!;
    expect(row.changeLowPct).toBeGreaterThan(options.thresholdPct);
    expect(row.verdict).toBe('inconclusive');
    expect(row.control).toMatchObject({ figure: 'latencyP50Ms', moved: true });
    expect(row.control!.changeLowPct).toBeGreaterThan(20);
    expect(result.controls).toHaveLength(1);
  });

  it("still calls a regression far beyond what the machine's move explains", () => {
    // The sidecar's added latency triples (1 ms → 3 ms) while the whole machine got 15% slower.
    const result = compareRuns(run(1, 8, 100), run(2, 8, 300, 1.15), baselines, { ...options, metrics: ['latencyP50Ms'] });
    expect(result.rows[0]!.control!.moved).toBe(true);
    expect(result.rows[0]!.verdict).toBe('regression');
    expect(result.overall).toBe('regression');
  });

  it('keeps a regression on a machine that got faster: the machine did not make the mesh look worse', () => {
    const result = compareRuns(run(1, 8, 100), run(2, 8, 160, 0.85), baselines, { ...options, metrics: ['latencyP50Ms'] });
    expect(result.rows[0]!.control!.changePct).toBeLessThan(-10);
    expect(result.rows[0]!.verdict).toBe('regression');
  });

  it('keeps the control quiet, and the verdict, when the baseline stayed put', () => {
    const result = compareRuns(run(1, 8, 100), run(2, 8, 160), baselines, { ...options, metrics: ['latencyP50Ms'] });
    expect(result.rows[0]!.verdict).toBe('regression');
    expect(Math.abs(result.rows[0]!.control!.changePct)).toBeLessThan(options.thresholdPct / 2);
  });
});

