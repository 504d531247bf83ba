import { describe, expect, it } from 'vitest';
import { flagTrial, latencyTrendPct, recomputeFlags } from '../../src/analysis/flags.js';
import { makeRun } from '../helpers/run-factory.js';
import { summarizeCells } from '../../src/analysis/cell-summary.js';
import { checkSlos } from '../../src/analysis/slo.js';
import { makeTrial } from '../helpers/trial-factory.js';

const limits = { loadgenCpuPctOfCore: 90, loadgenEventLoopDelayP99Ms: 10, stealPct: 5, iowaitPct: 5, foreignCpuPct: 10, errorRatePct: 1, loadgenRunQueuePct: 10, trendPct: 20, cpuAccountingPct: 3 };

describe('trial flags', () => {
  it('flags nothing on a quiet trial', () => {
    const t = makeTrial({ variant: 'x', repetition: 1, latencyP50Ms: 1 });
    expect(flagTrial(t, limits)).toEqual([]);
  });
  it('flags a saturated load generator, steal, iowait, foreign CPU and errors', () => {
    const t = makeTrial({ variant: 'x', repetition: 1, latencyP50Ms: 1, loadgenCpuPctOfCore: 97 });
    const flags = flagTrial({ ...t, node: { ...t.node, stealPct: 12, iowaitPct: 6, foreignCpuPct: 30 }, errorRatePct: 2 }, limits);
    expect(flags.map((f) => f.kind)).toEqual(['loadgen-saturated', 'steal', 'iowait', 'foreign-cpu', 'errors']);
    expect(flags[1].message).toBe('CPU steal 12.0% > 5%');
  });
  it('flags an open-loop driver whose event loop fell behind its schedule', () => {
    const t = makeTrial({ variant: 'x', repetition: 1, latencyP50Ms: 1 });
    expect(flagTrial({ ...t, openLoop: { eventLoopDelayP99Ms: 3 } }, limits)).toEqual([]);
    const late = flagTrial({ ...t, openLoop: { eventLoopDelayP99Ms: 25 } }, limits);
    expect(late.map((f) => f.kind)).toEqual(['loadgen-late']);
    expect(late[0].message).toContain('25.0 ms');
  });
  it('flags a burst seen only in the 1 Hz samples: one second of steal at twice the limit', () => {
    const t = makeTrial({ variant: 'x', repetition: 1, latencyP50Ms: 1 });
    const burst = [{ ...t.node, stealPct: 0.5 }, { ...t.node, stealPct: 14 }, { ...t.node, stealPct: 0.2 }];
    // The window averaged 3.4% (under 5%), but one second reached 14%.
    const flags = flagTrial({ ...t, node: { ...t.node, stealPct: 3.4 }, perSecondNode: burst }, limits);
    expect(flags.map((f) => f.kind)).toEqual(['steal']);
    expect(flags[0].message).toContain('in one second');
    expect(flagTrial({ ...t, node: { ...t.node, stealPct: 3.4 }, perSecondNode: burst.map((n) => ({ ...n, stealPct: 6 })) }, limits)).toEqual([]);
  });
  it('flags a starved driver (waiting for a CPU), negative foreign CPU as an accounting error, and a trending window', () => {
    const t = makeTrial({ variant: 'x', repetition: 1, latencyP50Ms: 1, loadgenRunQueueWaitSeconds: 0.6 });
    const second = (s: number, p50: number) => ({ second: s, requests: 1000, latencyP50Ms: p50, latencyP99Ms: p50 * 3, latencyMaxMs: p50 * 5 });
    const flags = flagTrial({ ...t, windowMs: 2000, node: { ...t.node, foreignCpuPct: -8 }, perSecondLatency: [second(0, 1), second(1, 1.2), second(2, 1.4), second(3, 1.6)] }, limits);
    expect(flags.map((f) => f.kind)).toEqual(['loadgen-starved', 'cpu-accounting', 'non-stationary']);
    expect(flags[0].valuePct).toBeCloseTo(30, 9);
    expect(latencyTrendPct([second(0, 1), second(1, 1.1), second(2, 0.9), second(3, 1)])).toBeNull();
    expect(latencyTrendPct([second(0, 1), second(1, 2)])).toBeNull();
  });
  it('are recomputed from the records with other limits', () => {
    const t = makeTrial({ variant: 'x', repetition: 1, latencyP50Ms: 1 });
    const noisy = { ...t, node: { ...t.node, foreignCpuPct: 7 } };
    const run = makeRun({ variants: [{ name: 'x' }] });
    expect(recomputeFlags(run, [noisy], [])[0].flags).toEqual([]);
    expect(recomputeFlags(run, [noisy], [], { foreignCpuPct: 5 })[0].flags.map((f) => f.kind)).toEqual(['foreign-cpu']);
  });
});

describe('cells with flagged trials', () => {
  const trials = [1, 2, 3].flatMap((r) => [
    makeTrial({ variant: 'baseline', repetition: r, latencyP50Ms: 1 }),
    makeTrial({ variant: 'mesh', repetition: r, latencyP50Ms: 2, flags: r === 2 ? [{ kind: 'steal', valuePct: 9, limitPct: 5, message: 'steal' }] : [] }),
  ]);
  it('counts them and can leave them out', () => {
    const mesh = summarizeCells(trials, 'baseline').find((c) => c.variant === 'mesh')!;
    expect(mesh.flaggedTrials).toBe(1);
    expect(mesh.flagCounts).toEqual({ steal: 1 });
    const clean = summarizeCells(trials, 'baseline', { excludeFlagged: true }).find((c) => c.variant === 'mesh')!;
    expect(clean.trials).toBe(2);
    expect(clean.overhead.latencyP50Ms?.pairs).toBe(2);
  });
});

describe('SLO checks', () => {
  const trials = [1, 2, 3, 4, 5].flatMap((r) => [
    makeTrial({ variant: 'baseline', repetition: r, latencyP50Ms: 1, latencyP99Ms: 2 + r * 0.01 }),
    makeTrial({ variant: 'mesh', repetition: r, latencyP50Ms: 2, latencyP99Ms: 8 + r * 0.01 }),
  ]);
  const cells = summarizeCells(trials, 'baseline');
  it('calls an objective violated only when the whole interval is beyond the limit', () => {
    const checks = checkSlos({ latencyP99Ms: 5 }, cells, trials);
    expect(checks.find((c) => c.variant === 'mesh')?.status).toBe('violated');
    expect(checks.find((c) => c.variant === 'baseline')?.status).toBe('met');
  });
  it('checks relative p99 overhead against the baseline', () => {
    const checks = checkSlos({ overheadP99Pct: 100 }, cells, trials);
    expect(checks).toHaveLength(1);
    expect(checks[0].status).toBe('violated');
    expect(checkSlos({ overheadP99Pct: 500 }, cells, trials)[0].status).toBe('met');
  });
});
