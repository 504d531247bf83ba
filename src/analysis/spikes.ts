/**
 * Latency spikes lined up with what the node was doing in the same second. A spike second is
 * one whose p99 exceeds `factor` × the trial's own median per-second p99; for each node
 * signal (steal, iowait, PSI, CPU) the spike seconds are compared with the others, with a
 * correlation coefficient, and said in words: "7 of 9 spike seconds had iowait above 5%".
 * Pure.
 *
 * Alignment: perSecond[i].second = s covers [s, s+1) s of the measured window; a sample's
 * tMs is the END of its window, so it covers [tMs − node.windowMs, tMs]. Each second takes
 * the sample that overlaps it most, if by at least half a second.
 */
import { median, sampleCorrelation } from 'simple-statistics';
import type { NodeWindow, PerSecond, SampleRecord } from '../results/schema.js';

export const spikeSignals = ['stealPct', 'iowaitPct', 'psiCpuSomePct', 'psiIoSomePct', 'busyPct', 'foreignCpuPct'] as const;
export type SpikeSignal = (typeof spikeSignals)[number];

export const spikeSignalLabels: Record<SpikeSignal, string> = {
  stealPct: 'steal',
  iowaitPct: 'iowait',
  psiCpuSomePct: 'CPU pressure (PSI some)',
  psiIoSomePct: 'I/O pressure (PSI some)',
  busyPct: 'CPU busy',
  foreignCpuPct: 'foreign CPU',
};

/**
 * "High" for the sentences. Steal and iowait match the default trial flag limits (5 %); PSI
 * cpu some is 2–3 % idle and 45–93 % under load here (lab §7), so only a high share counts.
 */
export const defaultSpikeThresholdsPct: Record<SpikeSignal, number> = {
  stealPct: 5,
  iowaitPct: 5,
  psiCpuSomePct: 80,
  psiIoSomePct: 10,
  busyPct: 90,
  foreignCpuPct: 10,
};

export interface SpikeOptions {
  /** A second is a spike when its p99 exceeds factor × the median per-second p99. Default 2. */
  factor?: number;
  /** Seconds with fewer requests are left out (their p99 says little). Default 1. */
  minRequests?: number;
  /** A sample must overlap a second by this much to describe it. Default 500. */
  minOverlapMs?: number;
  thresholdsPct?: Partial<Record<SpikeSignal, number>>;
}

export interface AlignedSecond {
  second: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  requests: number;
  /** The node sample that overlaps this second most; null when none overlaps enough. */
  node: NodeWindow | null;
  /** That sample's tMs. */
  sampleTMs: number | null;
}

export interface SignalInSpikes {
  signal: SpikeSignal;
  label: string;
  thresholdPct: number;
  /** Spike seconds with a sample that has this signal (PSI can be missing). */
  spikeSeconds: number;
  spikeSecondsAbove: number;
  otherSeconds: number;
  otherSecondsAbove: number;
  /** Means in percent; null when there was no second to average. */
  spikeMeanPct: number | null;
  otherMeanPct: number | null;
  /** Pearson r of per-second p99 against the signal over every aligned second; null with < 3 seconds or a constant series. */
  correlationWithP99: number | null;
  /** e.g. "7 of 9 spike seconds had iowait above 5% (vs 2 of 51 other seconds; mean 8.1% vs 0.4%; r = 0.82)". */
  sentence: string;
}

export interface TrialSpikes {
  trialId: string;
  factor: number;
  /** Median of the per-second p99s; null when the trial has no usable second. */
  medianP99Ms: number | null;
  /** factor × medianP99Ms. */
  spikeThresholdMs: number | null;
  /** Seconds with at least minRequests requests. */
  secondsAnalysed: number;
  /** Of those, seconds with an aligned node sample. */
  secondsWithSample: number;
  spikeSeconds: number[];
  signals: SignalInSpikes[];
  /**
   * The signal that most sets the spike seconds apart, when one does: its share of seconds
   * above threshold is higher in spikes than elsewhere by at least 50 points.
   */
  likelySignal: SpikeSignal | null;
  /** One or two sentences for the report. */
  finding: string;
}

export function alignSeconds(perSecond: readonly PerSecond[], samples: ReadonlyArray<Pick<SampleRecord, 'tMs' | 'node'>>, minOverlapMs = 500): AlignedSecond[] {
  const windows = samples.map((s) => {
    const lengthMs = s.node.windowMs > 0 ? s.node.windowMs : 1000;
    return { startMs: s.tMs - lengthMs, endMs: s.tMs, sample: s };
  });
  return [...perSecond]
    .sort((a, b) => a.second - b.second)
    .map((p) => {
      const startMs = p.second * 1000;
      const endMs = startMs + 1000;
      let best: (typeof windows)[number] | undefined;
      let bestOverlapMs = 0;
      for (const w of windows) {
        const overlapMs = Math.min(endMs, w.endMs) - Math.max(startMs, w.startMs);
        if (overlapMs > bestOverlapMs) {
          best = w;
          bestOverlapMs = overlapMs;
        }
      }
      const chosen = best && bestOverlapMs >= minOverlapMs ? best.sample : null;
      return {
        second: p.second,
        latencyP50Ms: p.latencyP50Ms,
        latencyP99Ms: p.latencyP99Ms,
        latencyMaxMs: p.latencyMaxMs,
        requests: p.requests,
        node: chosen?.node ?? null,
        sampleTMs: chosen?.tMs ?? null,
      };
    });
}

/** Spikes of one trial; `samples` may hold other trials' samples too (filtered by trialId). */
export function findTrialSpikes(
  trial: { trialId: string; perSecond: readonly PerSecond[] },
  samples: ReadonlyArray<Pick<SampleRecord, 'trialId' | 'tMs' | 'node'>>,
  options: SpikeOptions = {},
): TrialSpikes {
  const factor = options.factor ?? 2;
  if (!(factor > 1)) throw new Error(`spike factor must be > 1, got ${factor}`);
  const minRequests = options.minRequests ?? 1;
  const thresholds = { ...defaultSpikeThresholdsPct, ...options.thresholdsPct };
  const own = samples.filter((s) => s.trialId === trial.trialId);
  const seconds = alignSeconds(trial.perSecond, own, options.minOverlapMs).filter((s) => s.requests >= minRequests);

  const medianP99Ms = seconds.length > 0 ? median(seconds.map((s) => s.latencyP99Ms)) : null;
  const spikeThresholdMs = medianP99Ms !== null && medianP99Ms > 0 ? factor * medianP99Ms : null;
  const isSpike = (s: AlignedSecond) => spikeThresholdMs !== null && s.latencyP99Ms > spikeThresholdMs;
  const spikeSeconds = seconds.filter(isSpike).map((s) => s.second);

  const signals = spikeSignals.map((signal) => compareSignal(signal, thresholds[signal], seconds, isSpike));
  const telltale = telltaleSignals(signals);
  return {
    trialId: trial.trialId,
    factor,
    medianP99Ms,
    spikeThresholdMs,
    secondsAnalysed: seconds.length,
    secondsWithSample: seconds.filter((s) => s.node !== null).length,
    spikeSeconds,
    signals,
    likelySignal: telltale[0]?.signal ?? null,
    finding: describeFinding({ factor, medianP99Ms, seconds: seconds.length, spikeSeconds: spikeSeconds.length, telltale, signals }),
  };
}

/** findTrialSpikes for every trial, in the order given. */
export function findRunSpikes(
  trials: ReadonlyArray<{ trialId: string; perSecond: readonly PerSecond[] }>,
  samples: ReadonlyArray<Pick<SampleRecord, 'trialId' | 'tMs' | 'node'>>,
  options: SpikeOptions = {},
): TrialSpikes[] {
  const byTrial = new Map<string, Array<Pick<SampleRecord, 'trialId' | 'tMs' | 'node'>>>();
  for (const s of samples) {
    const list = byTrial.get(s.trialId) ?? [];
    list.push(s);
    byTrial.set(s.trialId, list);
  }
  return trials.map((t) => findTrialSpikes(t, byTrial.get(t.trialId) ?? [], options));
}

function compareSignal(signal: SpikeSignal, thresholdPct: number, seconds: AlignedSecond[], isSpike: (s: AlignedSecond) => boolean): SignalInSpikes {
  const withValue = seconds.flatMap((s) => {
    const value = s.node?.[signal];
    return value === null || value === undefined ? [] : [{ second: s, value }];
  });
  const spike = withValue.filter((x) => isSpike(x.second)).map((x) => x.value);
  const other = withValue.filter((x) => !isSpike(x.second)).map((x) => x.value);
  const mean = (xs: number[]) => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const result = {
    signal,
    label: spikeSignalLabels[signal],
    thresholdPct,
    spikeSeconds: spike.length,
    spikeSecondsAbove: spike.filter((v) => v > thresholdPct).length,
    otherSeconds: other.length,
    otherSecondsAbove: other.filter((v) => v > thresholdPct).length,
    spikeMeanPct: mean(spike),
    otherMeanPct: mean(other),
    correlationWithP99: correlation(withValue.map((x) => x.second.latencyP99Ms), withValue.map((x) => x.value)),
  };
  return { ...result, sentence: signalSentence(result) };
}

function correlation(xs: number[], ys: number[]): number | null {
  if (xs.length < 3) return null;
  const r = sampleCorrelation(xs, ys);
  // A constant series has no variance: the coefficient is undefined, not 0.
  return Number.isFinite(r) ? r : null;
}

function signalSentence(s: Omit<SignalInSpikes, 'sentence'>): string {
  if (s.spikeSeconds + s.otherSeconds === 0) return `${s.label}: no sample had it`;
  const pct = (v: number | null) => (v === null ? '–' : `${v.toFixed(1)}%`);
  const r = s.correlationWithP99 === null ? 'r undefined' : `r = ${s.correlationWithP99.toFixed(2)}`;
  const others = `${s.otherSecondsAbove} of ${s.otherSeconds} other seconds`;
  if (s.spikeSeconds === 0) return `no spike second had a ${s.label} sample; ${others} had ${s.label} above ${s.thresholdPct}% (${r})`;
  return (
    `${s.spikeSecondsAbove} of ${s.spikeSeconds} spike seconds had ${s.label} above ${s.thresholdPct}% ` +
    `(vs ${others}; mean ${pct(s.spikeMeanPct)} vs ${pct(s.otherMeanPct)}; ${r})`
  );
}

function share(above: number, of: number): number {
  return of > 0 ? above / of : 0;
}

/** Signals above their threshold in a larger share of spike seconds than of others, by ≥ 50 points; largest gap first. */
function telltaleSignals(signals: SignalInSpikes[]): SignalInSpikes[] {
  const gap = (s: SignalInSpikes) => share(s.spikeSecondsAbove, s.spikeSeconds) - share(s.otherSecondsAbove, s.otherSeconds);
  // A stable sort keeps spikeSignals' order on ties, so iowait comes before the PSI io it causes.
  return signals.filter((s) => s.spikeSecondsAbove > 0 && gap(s) >= 0.5).sort((a, b) => gap(b) - gap(a));
}

function describeFinding(f: {
  factor: number;
  medianP99Ms: number | null;
  seconds: number;
  spikeSeconds: number;
  telltale: SignalInSpikes[];
  signals: SignalInSpikes[];
}): string {
  if (f.medianP99Ms === null) return 'No second had enough requests to analyse.';
  const limit = `${f.factor}× the median per-second p99 (${f.medianP99Ms.toFixed(2)} ms)`;
  if (f.spikeSeconds === 0) return `No second's p99 exceeded ${limit} in ${f.seconds} seconds.`;
  const head = `${f.spikeSeconds} of ${f.seconds} seconds had p99 above ${limit}.`;
  const [first, ...also] = f.telltale;
  if (first) {
    const more = also.length > 0 ? ` Also high in most spike seconds: ${also.map((s) => s.label).join(', ')}.` : '';
    return `${head} ${capitalise(first.sentence)}.${more}`;
  }
  const sampled = f.signals.some((s) => s.spikeSeconds > 0);
  return sampled
    ? `${head} No node signal sets them apart (none is above its threshold in most spike seconds and rarely otherwise).`
    : `${head} No node sample covers them.`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
