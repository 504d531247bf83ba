import { describe, expect, it } from 'vitest';
import { alignSeconds, findRunSpikes, findTrialSpikes } from '../../src/analysis/spikes.js';
import type { NodeWindow, PerSecond, SampleRecord } from '../../src/results/schema.js';
import { quietNode } from '../helpers/trial-factory.js';

// One second of a quiet node: the trial factory's window with this test's own baseline figures.
const quiet: NodeWindow = { ...quietNode, windowMs: 1000, idlePct: 49.6, iowaitPct: 0.4, psiCpuSomePct: 40, psiIoSomePct: 0.5 };

const trialId = 't-haproxy-0';
const seconds = 60;
/** Planted spikes; seconds 7 of them share high iowait, the other two do not. */
const spikesWithIowait = [4, 11, 19, 26, 33, 41, 52];
const spikesWithoutIowait = [15, 47];
/** High iowait without a spike: the disk was busy but latency held. */
const iowaitOnly = [30];

function fixture(): { perSecond: PerSecond[]; samples: SampleRecord[] } {
  const perSecond: PerSecond[] = [];
  const samples: SampleRecord[] = [];
  for (let s = 0; s < seconds; s++) {
    const spike = spikesWithIowait.includes(s) || spikesWithoutIowait.includes(s);
    // Quiet seconds wobble between 1.8 and 2.4 ms; spikes sit at 7–10 ms.
    const p99 = spike ? 7 + (s % 4) : 1.8 + (s % 7) * 0.1;
    perSecond.push({ second: s, latencyP50Ms: 0.9, latencyP99Ms: p99, latencyMaxMs: p99 * 1.5, requests: 9000 + (s % 5) * 100 });
    const iowait = spikesWithIowait.includes(s) || iowaitOnly.includes(s) ? 6 + (s % 5) : 0.2 + (s % 3) * 0.1;
    // tMs is the END of the sample's 1 s window, a little late as a real timer is.
    samples.push({
      schemaVersion: 1,
      kind: 'sample',
      runId: 'r',
      trialId,
      tMs: (s + 1) * 1000 + 15,
      node: { ...quiet, iowaitPct: iowait, idlePct: 50 - iowait, psiIoSomePct: iowait * 3 },
      processes: [],
    });
  }
  // Warm-up samples and another trial's samples must not be picked up.
  for (const tMs of [-2000, -1000]) samples.push({ ...samples[0]!, tMs, node: { ...quiet, iowaitPct: 50 } });
  for (let s = 0; s < seconds; s++) samples.push({ ...samples[s]!, trialId: 'other', node: { ...quiet, iowaitPct: 90 } });
  return { perSecond, samples };
}

describe('alignSeconds', () => {
  it('gives second s the sample that ends just after it, not the one that ends at its start', () => {
    const node = (iowaitPct: number) => ({ ...quiet, iowaitPct });
    const aligned = alignSeconds(
      [
        { second: 0, latencyP50Ms: 1, latencyP99Ms: 2, latencyMaxMs: 3, requests: 10 },
        { second: 1, latencyP50Ms: 1, latencyP99Ms: 2, latencyMaxMs: 3, requests: 10 },
      ],
      [
        { tMs: 20, node: node(100) }, // the warm-up's last second: overlaps second 0 by 20 ms only
        { tMs: 1020, node: node(1) },
        { tMs: 2020, node: node(2) },
      ],
    );
    expect(aligned.map((a) => a.node?.iowaitPct)).toEqual([1, 2]);
    expect(aligned.map((a) => a.sampleTMs)).toEqual([1020, 2020]);
  });

  it('leaves a second without a sample when none overlaps it by half a second', () => {
    const aligned = alignSeconds([{ second: 5, latencyP50Ms: 1, latencyP99Ms: 2, latencyMaxMs: 3, requests: 10 }], [{ tMs: 5300, node: quiet }]);
    expect(aligned[0]!.node).toBeNull();
  });
});

describe('findTrialSpikes on a fixture with spikes planted at high-iowait seconds', () => {
  const { perSecond, samples } = fixture();
  const result = findTrialSpikes({ trialId, perSecond }, samples);

  it('finds exactly the planted spike seconds', () => {
    expect(result.spikeSeconds).toEqual([...spikesWithIowait, ...spikesWithoutIowait].sort((a, b) => a - b));
    expect(result.secondsAnalysed).toBe(seconds);
    expect(result.secondsWithSample).toBe(seconds);
    expect(result.medianP99Ms).toBeCloseTo(2.1, 5);
    expect(result.spikeThresholdMs).toBeCloseTo(4.2, 5);
  });

  it('counts the spike seconds with high iowait and says so in words', () => {
    const iowait = result.signals.find((s) => s.signal === 'iowaitPct')!;
    expect(iowait).toMatchObject({ spikeSeconds: 9, spikeSecondsAbove: 7, otherSeconds: 51, otherSecondsAbove: 1, thresholdPct: 5 });
    expect(iowait.sentence).toMatch(/^7 of 9 spike seconds had iowait above 5% \(vs 1 of 51 other seconds; mean \d+\.\d% vs 0\.\d%; r = 0\.\d\d\)$/);
    expect(iowait.spikeMeanPct!).toBeGreaterThan(iowait.otherMeanPct! * 5);
    expect(iowait.correlationWithP99!).toBeGreaterThan(0.5);
    expect(result.likelySignal).toBe('iowaitPct');
    // PSI io rose with iowait in the fixture, so it is named as well.
    expect(result.finding).toBe(
      `9 of 60 seconds had p99 above 2× the median per-second p99 (2.10 ms). ${iowait.sentence}. Also high in most spike seconds: I/O pressure (PSI some).`,
    );
  });

  it('finds no link for signals that did not move', () => {
    const steal = result.signals.find((s) => s.signal === 'stealPct')!;
    expect(steal.spikeSecondsAbove).toBe(0);
    // Constant steal has no variance: no coefficient rather than a misleading 0.
    expect(steal.correlationWithP99).toBeNull();
    const busy = result.signals.find((s) => s.signal === 'busyPct')!;
    expect(busy.spikeSecondsAbove).toBe(0);
  });

  it('takes the factor and thresholds from the options', () => {
    const strict = findTrialSpikes({ trialId, perSecond }, samples, { factor: 4.5, thresholdsPct: { iowaitPct: 8 } });
    // Spikes are 7–10 ms against a 2.1 ms median: above 9.45 ms only the 10 ms ones remain.
    expect(strict.spikeSeconds.every((s) => perSecond[s]!.latencyP99Ms > 9.45)).toBe(true);
    expect(strict.spikeSeconds.length).toBeGreaterThan(0);
    expect(strict.signals.find((s) => s.signal === 'iowaitPct')!.thresholdPct).toBe(8);
  });
});

describe('findTrialSpikes edge cases', () => {
  it('says so when no second spiked', () => {
    const perSecond = Array.from({ length: 10 }, (_, s) => ({ second: s, latencyP50Ms: 1, latencyP99Ms: 2 + (s % 2) * 0.1, latencyMaxMs: 3, requests: 100 }));
    const result = findTrialSpikes({ trialId: 'x', perSecond }, []);
    expect(result.spikeSeconds).toEqual([]);
    expect(result.likelySignal).toBeNull();
    expect(result.finding).toBe("No second's p99 exceeded 2× the median per-second p99 (2.05 ms) in 10 seconds.");
    expect(result.secondsWithSample).toBe(0);
  });

  it('skips seconds without requests and handles missing PSI', () => {
    const perSecond = [
      { second: 0, latencyP50Ms: 1, latencyP99Ms: 2, latencyMaxMs: 3, requests: 100 },
      { second: 1, latencyP50Ms: 0, latencyP99Ms: 0, latencyMaxMs: 0, requests: 0 },
      { second: 2, latencyP50Ms: 1, latencyP99Ms: 9, latencyMaxMs: 12, requests: 100 },
      { second: 3, latencyP50Ms: 1, latencyP99Ms: 2, latencyMaxMs: 3, requests: 100 },
    ];
    const samples = [0, 1, 2, 3].map((s) => ({ trialId: 'x', tMs: (s + 1) * 1000, node: { ...quiet, psiCpuSomePct: null, psiIoSomePct: null } }));
    const result = findTrialSpikes({ trialId: 'x', perSecond }, samples);
    expect(result.secondsAnalysed).toBe(3);
    expect(result.spikeSeconds).toEqual([2]);
    expect(result.signals.find((s) => s.signal === 'psiCpuSomePct')!.sentence).toBe('CPU pressure (PSI some): no sample had it');
  });

  it('reports no usable second for an empty trial and rejects a factor of 1 or less', () => {
    expect(findTrialSpikes({ trialId: 'x', perSecond: [] }, []).finding).toBe('No second had enough requests to analyse.');
    expect(() => findTrialSpikes({ trialId: 'x', perSecond: [] }, [], { factor: 1 })).toThrow(/factor must be > 1/);
  });
});

describe('findRunSpikes', () => {
  it('analyses each trial with its own samples', () => {
    const { perSecond, samples } = fixture();
    const [own, other] = findRunSpikes(
      [
        { trialId, perSecond },
        { trialId: 'other', perSecond },
      ],
      samples,
    );
    expect(own!.signals.find((s) => s.signal === 'iowaitPct')!.spikeSecondsAbove).toBe(7);
    // The other trial's samples all had 90 % iowait: every second is above, so nothing sets spikes apart.
    expect(other!.signals.find((s) => s.signal === 'iowaitPct')!.otherSecondsAbove).toBe(51);
    expect(other!.likelySignal).toBeNull();
  });
});
