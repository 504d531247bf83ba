/**
 * The regression gate: compares two runs of the same scenario (say, before and after a mesh
 * upgrade) on overhead. Each run is measured against its own baseline variant, per
 * repetition, so drift of the machine between the two runs cancels; the two runs'
 * repetitions are independent, so their difference gets a two-sample bootstrap interval of
 * the shift between them (Hodges–Lehmann, see shift.ts: far tighter than a difference of
 * medians at 3–10 repetitions, and as robust against one wild repetition).
 *
 * Two ways to state a latency overhead per repetition:
 * - `added` (default): variant − baseline in ms, the latency the mesh adds. Compared between
 *   runs in percent of the reference run's added latency. Cancels additive drift (a slower
 *   network path, a busier host), and stays steady when the baseline is tiny and jumpy: on a
 *   2-vCPU VM a 0.1 ms baseline p50 wanders by tens of percent between repetitions.
 * - `ratio`: variant / baseline − 1, in percent; compared in percentage points. Cancels a
 *   machine that got uniformly faster or slower, but divides by that jumpy baseline.
 * Proxy CPU has no baseline variant to subtract. `proxyCpuMsPer1kRequests` is compared as a
 * relative change of the figure itself, so it moves with the machine: on the lab VM whole runs
 * used 15–30% more CPU per request than others, proxies, app and load generator alike, with
 * steal under 1%. `proxyToAppCpuRatio` (proxy CPU over the app's CPU in the same trial: same
 * CPU, same seconds, same requests) cancels that: over eight pinned quickstart runs its
 * per-run median varied by 2–5% (coefficient of variation) against 7–12% for CPU per request.
 * A proxy upgrade does not change the app, so a costlier proxy still raises the ratio.
 *
 * The baseline variant is the control: nothing about it changes between the runs, so when its
 * own figure moved by half the threshold or more, the machine changed (on the lab VM whole
 * runs ran 15–30% slower than others minutes apart, with steal under 1%). Added latency and CPU
 * per request scale with such a machine, so a regression or improvement that the baseline's
 * move could explain is reported as inconclusive rather than put on the mesh (discountDrift). `proxyToAppCpuRatio` and
 * the `ratio` basis cancel a machine's speed by construction and need no such check.
 *
 * The gate asks one question, "did it get worse by more than the threshold?", so a cell whose
 * interval stays below +threshold passes even when it also reaches below −threshold: that is a
 * one-sided (non-inferiority) decision at 97.5%, labelled `not-worse`, and only an interval
 * crossing +threshold leaves the gate undecided (exit 5).
 */
import * as ss from 'simple-statistics';
import type { TrialRecord } from '../results/schema.js';
import { resolveOptions, type BootstrapOptions } from './bootstrap.js';
import { bootstrapShiftCi } from './shift.js';
import { decideVerdict, minimumRepetitions, type Verdict, type VerdictResult } from './verdict.js';
import { levelLabel, levelOf, sameLevel, type LoadMode } from './load-level.js';

export const gateMetrics = ['latencyP50Ms', 'latencyP99Ms', 'proxyToAppCpuRatio', 'proxyCpuMsPer1kRequests'] as const;
export type GateMetric = (typeof gateMetrics)[number];

export const gateBases = ['added', 'ratio'] as const;
export type GateBasis = (typeof gateBases)[number];

/** The two-sided verdicts, plus `not-worse`: no regression, but the interval also allows an improvement. */
export type GateVerdict = Verdict | 'not-worse';

export interface GateOptions {
  metrics: readonly GateMetric[];
  /** How a latency overhead is stated per repetition; default `added`. */
  basis?: GateBasis;
  /** Smallest change that matters, in percentage points of relative overhead (or percent of CPU per request). */
  thresholdPct: number;
  /** candidate variant name → reference variant name, for renamed variants. */
  variantMap: Record<string, string>;
  excludeFlagged: boolean;
  bootstrap?: BootstrapOptions;
}

export interface GateRow {
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
  /** Candidate − reference, in percentage points (overhead) or percent of the reference (value). */
  changePct: number;
  changeLowPct: number;
  changeHighPct: number;
  referenceRepetitions: number;
  candidateRepetitions: number;
  verdict: GateVerdict;
  reason: string;
  repetitionsNeeded: number | null;
  /** The baseline's own change between the runs, for the figures that move with the machine; null otherwise. */
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
  changePct: number;
  changeLowPct: number;
  changeHighPct: number;
  /** |change| reached half the threshold: verdicts beside it are not put on the mesh. */
  drifted: boolean;
}

export interface GateResult {
  rows: GateRow[];
  /** Every control computed, one per tier, level and figure. */
  controls: GateControl[];
  /** Worst verdict over all rows: regression > inconclusive > (improvement | no-change). */
  overall: 'regression' | 'inconclusive' | 'pass';
  /** Cells that exist in only one of the runs. */
  unmatched: string[];
}

type Trials = readonly TrialRecord[];

export function compareRuns(reference: Trials, candidate: Trials, baselineOf: { reference: string; candidate: string }, options: GateOptions): GateResult {
  const bootstrap = resolveOptions(options.bootstrap ?? {});
  const keep = (t: TrialRecord) => !options.excludeFlagged || t.flags.length === 0;
  const ref = reference.filter(keep);
  const cand = candidate.filter(keep);
  const rows: GateRow[] = [];
  const unmatched: string[] = [];
  const controls = new Map<string, GateControl | null>();
  const controlFor = (tier: string, loadMode: LoadMode, level: number, metric: GateMetric): GateControl | null => {
    const figure = metric === 'proxyCpuMsPer1kRequests' ? 'appCpuMsPer1kRequests' : isLatency(metric) && (options.basis ?? 'added') === 'added' ? metric : null;
    if (!figure) return null;
    const key = JSON.stringify([tier, loadMode, level, figure]);
    if (!controls.has(key)) {
      const cell = { tier, loadMode, level };
      const refValues = figures(inCell(ref, cell, baselineOf.reference), figure);
      const candValues = figures(inCell(cand, cell, baselineOf.candidate), figure);
      const refMedian = refValues.length > 0 ? ss.median(refValues) : 0;
      if (candValues.length === 0 || !(refMedian > 0)) controls.set(key, null);
      else {
        const ci = bootstrapShiftCi(refValues, candValues, bootstrap);
        const scale = 100 / refMedian;
        const changePct = ci.estimate * scale;
        controls.set(key, {
          tier,
          loadMode,
          level,
          figure,
          referenceMedian: refMedian,
          candidateMedian: ss.median(candValues),
          changePct,
          changeLowPct: ci.low * scale,
          changeHighPct: ci.high * scale,
          drifted: Math.abs(changePct) >= options.thresholdPct / 2,
        });
      }
    }
    return controls.get(key) ?? null;
  };
  const cells = unique(cand.filter((t) => t.variant !== baselineOf.candidate && !t.capacityStep).map((t) => JSON.stringify([t.tier, t.loadMode, levelOf(t), t.variant])));
  for (const cell of cells) {
    const [tier, loadMode, level, variant] = JSON.parse(cell) as [string, LoadMode, number, string];
    const referenceVariant = options.variantMap[variant] ?? variant;
    const cellOf = { tier, loadMode, level };
    const candVariant = inCell(cand, cellOf, variant);
    const refVariant = inCell(ref, cellOf, referenceVariant);
    if (refVariant.length === 0) {
      unmatched.push(`${tier} · ${levelLabel(loadMode, level)} · ${variant}: not in the reference run`);
      continue;
    }
    for (const metric of options.metrics) {
      const basis = !isLatency(metric) ? 'value' : (options.basis ?? 'added') === 'added' ? 'overhead-ms' : 'overhead-pct';
      const per = (variantTrials: Trials, baselineTrials: Trials) =>
        !isLatency(metric)
          ? figures(variantTrials, metric)
          : basis === 'overhead-ms'
            ? addedOverheads(variantTrials, baselineTrials, metric)
            : relativeOverheads(variantTrials, baselineTrials, metric);
      const refValues = per(refVariant, inCell(ref, cellOf, baselineOf.reference));
      const candValues = per(candVariant, inCell(cand, cellOf, baselineOf.candidate));
      if (refValues.length === 0 || candValues.length === 0) continue;
      const refMedian = ss.median(refValues);
      // Added latency and CPU per request: the change in percent of the reference, so one threshold fits all.
      if (basis !== 'overhead-pct' && !(refMedian > 0)) {
        unmatched.push(`${tier} · ${levelLabel(loadMode, level)} · ${variant} · ${metric}: the reference shows no overhead to compare against`);
        continue;
      }
      const scale = basis === 'overhead-pct' ? 1 : 100 / refMedian;
      const ci = bootstrapShiftCi(refValues, candValues, bootstrap);
      const n = Math.min(refValues.length, candValues.length);
      const control = controlFor(tier, loadMode, level, metric);
      const decision = discountDrift(
        gateDecision({
          deltaLow: ci.low * scale,
          deltaHigh: ci.high * scale,
          threshold: options.thresholdPct,
          higherIsWorse: true,
          n,
          unit: basis === 'overhead-pct' ? ' pp' : '%',
        }),
        { low: ci.low * scale, high: ci.high * scale, threshold: options.thresholdPct, control },
      );
      rows.push({
        tier,
        loadMode,
        level,
        variant,
        referenceVariant,
        metric,
        basis,
        referenceMedian: refMedian,
        candidateMedian: ss.median(candValues),
        changePct: ci.estimate * scale,
        changeLowPct: ci.low * scale,
        changeHighPct: ci.high * scale,
        referenceRepetitions: refValues.length,
        candidateRepetitions: candValues.length,
        verdict: decision.verdict,
        reason: decision.reason,
        repetitionsNeeded: decision.repetitionsNeeded,
        control,
      });
    }
  }
  return { rows, controls: [...controls.values()].filter((c): c is GateControl => c !== null), overall: overallVerdict(rows), unmatched };
}

/** Worst verdict over all rows: regression > inconclusive > (improvement | no change | not worse). */
export function overallVerdict(rows: readonly GateRow[]): GateResult['overall'] {
  return rows.some((r) => r.verdict === 'regression') ? 'regression' : rows.some((r) => r.verdict === 'inconclusive') ? 'inconclusive' : 'pass';
}

/**
 * A regression or improvement that the baseline's own move could explain is the machine's, not
 * the mesh's. Added latency and CPU per request scale with the machine, so a figure that moved
 * with a baseline that moved by d% can move by about d% for no other reason: the mesh is
 * blamed only for a change beyond threshold + the baseline's move in the same direction (its
 * interval's far end). A change against the baseline's direction is kept: a machine that got
 * faster does not make the mesh look worse.
 */
function discountDrift<D extends { verdict: GateVerdict; reason: string; repetitionsNeeded: number | null }>(
  decision: D,
  row: { low: number; high: number; threshold: number; control: GateControl | null },
): D {
  const control = row.control;
  if (!control?.drifted) return decision;
  const explained =
    decision.verdict === 'regression'
      ? row.low <= row.threshold + Math.max(0, control.changeHighPct)
      : decision.verdict === 'improvement'
        ? row.high >= -row.threshold + Math.min(0, control.changeLowPct)
        : false;
  if (!explained) return decision;
  const show = (v: number) => signed(v, '%');
  return {
    ...decision,
    verdict: 'inconclusive',
    reason: `would be ${decision.verdict === 'regression' ? 'a regression' : 'an improvement'} (${decision.reason}), but the baseline itself moved ${show(control.changePct)} [${show(control.changeLowPct)}, ${show(control.changeHighPct)}] between the runs: the machine changed, run both again back to back`,
    repetitionsNeeded: null,
  };
}

/**
 * The two-sided verdict, except that an interval which crosses only −threshold (it may be an
 * improvement, it cannot be a regression) is `not-worse` rather than inconclusive.
 */
export function gateDecision(input: Parameters<typeof decideVerdict>[0]): Omit<VerdictResult, 'verdict'> & { verdict: GateVerdict } {
  const twoSided = decideVerdict(input);
  if (twoSided.verdict !== 'inconclusive' || input.n < minimumRepetitions || input.deltaHigh > input.threshold) return twoSided;
  const unit = input.unit === '%' ? '%' : (input.unit ?? '');
  const show = (v: number) => signed(v, unit);
  return {
    verdict: 'not-worse',
    reason: `CI [${show(input.deltaLow)}, ${show(input.deltaHigh)}] stays at or below ${show(input.threshold)}: no regression; it may be an improvement`,
    repetitionsNeeded: null,
  };
}

/** +12.3%, −4.56 ms: three significant digits and a real minus sign, for verdict reasons. */
function signed(value: number, unit: string): string {
  return `${value > 0 ? '+' : value < 0 ? '−' : ''}${Math.abs(Number(value.toPrecision(3)))}${unit}`;
}

type LatencyMetric = 'latencyP50Ms' | 'latencyP99Ms';
const isLatency = (metric: GateMetric): metric is LatencyMetric => metric === 'latencyP50Ms' || metric === 'latencyP99Ms';

/** A trial's figure: a recorded field, or one derived from its processes' CPU. */
export function trialFigure(trial: TrialRecord, figure: GateMetric | 'appCpuMsPer1kRequests'): number | null {
  const value = figure === 'proxyToAppCpuRatio' ? proxyToAppCpuRatio(trial) : figure === 'appCpuMsPer1kRequests' ? appCpuMsPer1kRequests(trial) : trial[figure];
  return value !== null && Number.isFinite(value) ? value : null;
}

function figures(trials: Trials, figure: GateMetric | 'appCpuMsPer1kRequests'): number[] {
  return trials.map((t) => trialFigure(t, figure)).filter((v): v is number => v !== null);
}

/** One variant's trials in one cell (tier and load level), capacity-search steps left out. */
export function inCell(trials: Trials, cell: { tier: string; loadMode: LoadMode; level: number }, variant: string): TrialRecord[] {
  return trials.filter((t) => t.tier === cell.tier && t.variant === variant && !t.capacityStep && sameLevel(t, cell));
}

/** The apps' CPU per 1,000 requests: the baseline's own CPU cost, the control for proxy CPU per request. */
export function appCpuMsPer1kRequests(trial: TrialRecord): number | null {
  const app = trial.processes.filter((p) => p.role === 'app').reduce((sum, p) => sum + p.cpuSeconds, 0);
  return app > 0 && trial.requestsTotal > 0 ? (app * 1000) / (trial.requestsTotal / 1000) : null;
}

/** CPU seconds of the trial's proxies over its apps' (null without both), from the recorded processes. */
export function proxyToAppCpuRatio(trial: TrialRecord): number | null {
  const cpuOf = (role: string) => trial.processes.filter((p) => p.role === role).reduce((sum, p) => sum + p.cpuSeconds, 0);
  const proxy = cpuOf('proxy');
  const app = cpuOf('app');
  return proxy > 0 && app > 0 ? proxy / app : null;
}

/** Per repetition: variant − baseline, pairing trials of the same repetition. */
export function addedOverheads(variant: Trials, baseline: Trials, metric: LatencyMetric): number[] {
  const byRepetition = new Map(baseline.map((t) => [t.repetition, t]));
  const values: number[] = [];
  for (const t of variant) {
    const v = t[metric];
    const b = byRepetition.get(t.repetition)?.[metric];
    if (v === null || b === null || b === undefined) continue;
    values.push(v - b);
  }
  return values;
}

/** Per repetition: (variant / baseline − 1) × 100, pairing trials of the same repetition. */
export function relativeOverheads(variant: Trials, baseline: Trials, metric: LatencyMetric): number[] {
  const byRepetition = new Map(baseline.map((t) => [t.repetition, t]));
  const values: number[] = [];
  for (const t of variant) {
    const base = byRepetition.get(t.repetition);
    const v = t[metric];
    const b = base?.[metric];
    if (v === null || b === null || b === undefined || !(b > 0)) continue;
    values.push((v / b - 1) * 100);
  }
  return values;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
