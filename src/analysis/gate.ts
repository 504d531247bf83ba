/**
 * The regression gate between two runs of the same scenario (say, before and after a mesh
 * upgrade). Each run is measured against its own baseline variant per repetition; the two runs'
 * repetitions are independent, so each figure's change is the Hodges–Lehmann shift between the
 * two samples with Moses' exact interval (gate-evidence.ts), on logarithms for a change in
 * percent: the reference's uncertainty counts as much as the candidate's.
 *
 * Latency per repetition, two ways:
 * - `added` (default): variant − baseline in ms; compared as a ratio between the runs (percent).
 * - `ratio`: (variant / baseline − 1) × 100; compared as a shift in percentage points.
 * Proxy CPU per request is compared as a ratio of the figure itself; proxy CPU over the app's
 * CPU in the same trial (`proxyToAppCpuRatio`) cancels a machine that changed speed.
 *
 * The baseline variant is the control for the figures that move with the machine (added latency
 * and CPU per request): nothing about it changes between the runs, so its own change bounds how
 * much of a figure's change the machine can explain (gate-decision.ts). Decisions over all
 * figures at once: Holm for regressions, every figure not worse for a pass.
 */
import type { TrialRecord } from '../results/schema.js';
import { logsOrNull } from './exact/moses-interval.js';
import { decideGate, type GateFigureDecision, type GateVerdict } from './gate-decision.js';
import type { Evidence } from './gate-evidence.js';
import { addedOverheads, figures, inCell, isLatency, relativeOverheads, type GateMetric } from './gate-figures.js';
import { levelLabel, levelOf, type LoadMode } from './load-level.js';
import * as ss from 'simple-statistics';

export { gateMetrics, type GateMetric, trialFigure, inCell, appCpuMsPer1kRequests, proxyToAppCpuRatio } from './gate-figures.js';
export type { GateVerdict } from './gate-decision.js';

export const gateBases = ['added', 'ratio'] as const;
export type GateBasis = (typeof gateBases)[number];

export const defaultGateAlpha = 0.05;
export const defaultGateMaxRepetitions = 50;

export interface GateOptions {
  metrics: readonly GateMetric[];
  basis?: GateBasis;
  /** Smallest change that matters, in percent of the reference (or percentage points for the ratio basis). */
  thresholdPct: number;
  /** candidate variant name → reference variant name, for renamed variants. */
  variantMap: Record<string, string>;
  excludeFlagged: boolean;
  /** One-sided error of each kind of claim; default 0.05. */
  alpha?: number;
  maxRepetitions?: number;
}

export interface GateRow extends Omit<GateFigureDecision, 'verdict'> {
  tier: string;
  loadMode: LoadMode;
  level: number;
  variant: string;
  referenceVariant: string;
  metric: GateMetric;
  /** What is compared: added latency or relative overhead over the run's own baseline, or the figure itself. */
  basis: 'overhead-ms' | 'overhead-pct' | 'value';
  referenceMedian: number;
  candidateMedian: number;
  referenceRepetitions: number;
  candidateRepetitions: number;
  verdict: GateVerdict;
  control: GateControl | null;
}

/** The baseline variant's own figure in both runs: it should not move, so when it does, the machine did. */
export interface GateControl {
  tier: string;
  loadMode: LoadMode;
  level: number;
  figure: 'latencyP50Ms' | 'latencyP99Ms' | 'appCpuMsPer1kRequests';
  referenceMedian: number;
  candidateMedian: number;
  /** Hodges–Lehmann ratio between the runs in percent, with Moses' interval at `confidence`. */
  changePct: number;
  changeLowPct: number;
  changeHighPct: number;
  confidence: number;
  /** The interval excludes no change: the machine demonstrably changed speed. */
  moved: boolean;
}

export interface GateResult {
  rows: GateRow[];
  controls: GateControl[];
  /** regression: some figure regressed (Holm); pass: every figure not worse; otherwise inconclusive. */
  overall: 'regression' | 'inconclusive' | 'pass';
  unmatched: string[];
  alpha: number;
  thresholdPct: number;
  /** How the error is controlled, in words, for the output. */
  errorControl: string;
}

type Trials = readonly TrialRecord[];

interface PendingRow extends Omit<GateRow, keyof GateFigureDecision | 'verdict'> {
  evidence: Evidence;
  controlEvidence?: Evidence;
}

export function compareRuns(reference: Trials, candidate: Trials, baselineOf: { reference: string; candidate: string }, options: GateOptions): GateResult {
  const alpha = options.alpha ?? defaultGateAlpha;
  const basisOption = options.basis ?? 'added';
  const keep = (t: TrialRecord) => !options.excludeFlagged || t.flags.length === 0;
  const ref = reference.filter(keep);
  const cand = candidate.filter(keep);
  const pending: PendingRow[] = [];
  const unmatched: string[] = [];
  const controls = new Map<string, { control: GateControl; evidence: Evidence } | null>();

  const controlFor = (cell: { tier: string; loadMode: LoadMode; level: number }, metric: GateMetric) => {
    const figure = metric === 'proxyCpuMsPer1kRequests' ? 'appCpuMsPer1kRequests' : isLatency(metric) && basisOption === 'added' ? metric : null;
    if (!figure) return null;
    const key = JSON.stringify([cell.tier, cell.loadMode, cell.level, figure]);
    if (!controls.has(key)) {
      const refLogs = logsOrNull(figures(inCell(ref, cell, baselineOf.reference), figure));
      const candLogs = logsOrNull(figures(inCell(cand, cell, baselineOf.candidate), figure));
      if (!refLogs?.length || !candLogs?.length) controls.set(key, null);
      else {
        const evidence: Evidence = { kind: 'two-sample', scale: 'log', reference: refLogs, candidate: candLogs };
        const [decision] = decideGate([{ evidence }], { thresholdPct: 0, alpha: alpha / 2, maxRepetitions: 1 });
        controls.set(key, {
          evidence,
          control: {
            ...cell,
            figure,
            referenceMedian: Math.exp(ss.median(refLogs)),
            candidateMedian: Math.exp(ss.median(candLogs)),
            changePct: decision.changePct,
            changeLowPct: decision.changeLowPct,
            changeHighPct: decision.changeHighPct,
            confidence: decision.confidence,
            moved: decision.changeLowPct > 0 || decision.changeHighPct < 0,
          },
        });
      }
    }
    return controls.get(key) ?? null;
  };

  const cells = unique(cand.filter((t) => t.variant !== baselineOf.candidate && !t.capacityStep).map((t) => JSON.stringify([t.tier, t.loadMode, levelOf(t), t.variant])));
  for (const key of cells) {
    const [tier, loadMode, level, variant] = JSON.parse(key) as [string, LoadMode, number, string];
    const referenceVariant = options.variantMap[variant] ?? variant;
    const cell = { tier, loadMode, level };
    const where = `${tier} · ${levelLabel(loadMode, level)} · ${variant}`;
    const candVariant = inCell(cand, cell, variant);
    const refVariant = inCell(ref, cell, referenceVariant);
    if (refVariant.length === 0) {
      unmatched.push(`${where}: not in the reference run`);
      continue;
    }
    for (const metric of options.metrics) {
      const basis: GateRow['basis'] = !isLatency(metric) ? 'value' : basisOption === 'added' ? 'overhead-ms' : 'overhead-pct';
      const per = (variantTrials: Trials, baselineTrials: Trials): number[] =>
        !isLatency(metric)
          ? figures(variantTrials, metric)
          : (basis === 'overhead-ms' ? addedOverheads(variantTrials, baselineTrials, metric) : relativeOverheads(variantTrials, baselineTrials, metric)).map((o) => o.value);
      const refValues = per(refVariant, inCell(ref, cell, baselineOf.reference));
      const candValues = per(candVariant, inCell(cand, cell, baselineOf.candidate));
      if (refValues.length === 0 || candValues.length === 0) continue;
      let evidence: Evidence;
      if (basis === 'overhead-pct') evidence = { kind: 'two-sample', scale: 'linear', reference: refValues, candidate: candValues };
      else {
        const refLogs = logsOrNull(refValues);
        const candLogs = logsOrNull(candValues);
        if (!refLogs || !candLogs) {
          unmatched.push(`${where} · ${metric}: ${basis === 'overhead-ms' ? 'the added latency is not positive in every repetition' : 'the figure is not positive in every repetition'}, so no change in percent can be stated; try --basis ratio`);
          continue;
        }
        evidence = { kind: 'two-sample', scale: 'log', reference: refLogs, candidate: candLogs };
      }
      const control = controlFor(cell, metric);
      pending.push({
        tier,
        loadMode,
        level,
        variant,
        referenceVariant,
        metric,
        basis,
        referenceMedian: ss.median(refValues),
        candidateMedian: ss.median(candValues),
        referenceRepetitions: refValues.length,
        candidateRepetitions: candValues.length,
        control: control?.control ?? null,
        evidence,
        controlEvidence: control?.evidence,
      });
    }
  }
  const decisions = decideGate(
    pending.map((p) => ({ evidence: p.evidence, control: p.controlEvidence })),
    { thresholdPct: options.thresholdPct, alpha, maxRepetitions: options.maxRepetitions ?? defaultGateMaxRepetitions },
  );
  const rows: GateRow[] = pending.map(({ evidence: _e, controlEvidence: _c, ...row }, i) => ({ ...row, ...decisions[i] }));
  return {
    rows,
    controls: [...controls.values()].flatMap((c) => (c ? [c.control] : [])),
    overall: overallVerdict(rows),
    unmatched,
    alpha,
    thresholdPct: options.thresholdPct,
    errorControl: errorControlText(rows.length, alpha, rows.some((r) => r.control)),
  };
}

/** regression if any figure regressed; pass only if every figure is at least not worse. */
export function overallVerdict(rows: readonly Pick<GateRow, 'verdict'>[]): GateResult['overall'] {
  if (rows.some((r) => r.verdict === 'regression')) return 'regression';
  return rows.length > 0 && rows.every((r) => r.verdict !== 'inconclusive') ? 'pass' : rows.length === 0 ? 'inconclusive' : 'inconclusive';
}

export function errorControlText(figureCount: number, alpha: number, withControl: boolean): string {
  const pct = (a: number) => `${Math.round(a * 1000) / 10}%`;
  return [
    `A regression is claimed only when its one-sided exact test survives Holm's adjustment across all ${figureCount} gated figure${figureCount === 1 ? '' : 's'}: the chance of any false regression is at most ${pct(alpha)}.`,
    `The gate passes only when every figure is "not worse" at ${pct(1 - alpha)} one-sided: all claims must hold at once (an intersection–union test), so no adjustment is needed for the pass to be wrong at most ${pct(alpha)} of the time.`,
    withControl ? `Figures that move with the machine are judged against the baseline's own change between the runs: figure and control each at ${pct(alpha / 2)}, so their combination keeps ${pct(alpha)}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
