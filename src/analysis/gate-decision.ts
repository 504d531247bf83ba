/**
 * The gate's decisions over all gated figures at once, with the error of each kind of claim
 * controlled:
 * - regression (fails CI): "the change exceeds +threshold", one-sided, Holm-adjusted across the
 *   figures, so the chance that any figure is falsely called a regression is at most α;
 * - improvement: the mirror claim, Holm-adjusted the same way;
 * - not worse: "the change stays below +threshold" at level α for every figure. The gate passes
 *   only when every figure is not worse: an intersection–union test (Berger 1982), whose error
 *   is at most α without any adjustment, because all the claims must hold at once;
 * - no change: not worse and not better (two one-sided tests, each at α).
 * Anything else is inconclusive, with the repetitions a power calculation says would decide.
 *
 * A control (the baseline's own figure between two runs) widens what a figure must clear by
 * the machine's plausible move: a regression must exceed the threshold even if the machine got
 * as much slower as the control's upper bound allows, and "not worse" must hold even if it got
 * as much faster as its lower bound allows. Figure and control then each get α/2 (Bonferroni),
 * so the claim's error stays at most α.
 */
import { holmAdjust } from './multiplicity.js';
import { boundOf, estimateOf, fromScale, minimumDecidable, pValueOf, sizeOf, toScale, type Evidence } from './gate-evidence.js';
import { describeRepetitionsNeeded, repetitionsToDecide, type RepetitionsNeeded } from './power.js';

export type GateVerdict = 'regression' | 'improvement' | 'no-change' | 'not-worse' | 'inconclusive';

export interface GateFigureInput {
  evidence: Evidence;
  /** The baseline's own change between two runs (log scale), when this figure moves with the machine. */
  control?: Evidence;
}

export interface GateFigureDecision {
  verdict: GateVerdict;
  /** Estimate and the interval whose bounds decide, in percent (or points). */
  changePct: number;
  changeLowPct: number;
  changeHighPct: number;
  /** Two-sided confidence of [low, high]: each bound is one-sided at (1 + confidence) / 2. */
  confidence: number;
  /** Repetitions (per side for two runs) behind it. */
  n: number;
  /** Exact one-sided p-values, and Holm-adjusted for the two that claim a change. */
  pWorse: number;
  pWorseAdjusted: number;
  pNotWorse: number;
  pBetterAdjusted: number;
  /** The bounds the machine's move adds to the thresholds (percent), when a control applied. */
  controlLowPct: number | null;
  controlHighPct: number | null;
  reason: string;
  repetitionsNeeded: RepetitionsNeeded | null;
}

export interface GateDecisionOptions {
  thresholdPct: number;
  /** Error rate of each kind of claim (one-sided); 0.05 by default. */
  alpha: number;
  /** Cap of the power calculation. */
  maxRepetitions: number;
}

export function decideGate(figures: readonly GateFigureInput[], options: GateDecisionOptions): GateFigureDecision[] {
  const prepared = figures.map((f) => prepare(f, options));
  const worseAdjusted = holmAdjust(prepared.map((p) => p.pWorse));
  const betterAdjusted = holmAdjust(prepared.map((p) => p.pBetter));
  return prepared.map((p, i) => finish(p, worseAdjusted[i], betterAdjusted[i], options));
}

interface Prepared {
  input: GateFigureInput;
  alpha: number;
  scale: Evidence['scale'];
  estimate: number;
  low: { bound: number; confidence: number };
  high: { bound: number; confidence: number };
  worseAt: number;
  notWorseAt: number;
  betterAt: number;
  notBetterAt: number;
  pWorse: number;
  pNotWorse: number;
  pBetter: number;
  pNotBetter: number;
  controlLow: number | null;
  controlHigh: number | null;
}

function prepare(figure: GateFigureInput, options: GateDecisionOptions): Prepared {
  const { evidence, control } = figure;
  const alpha = control ? options.alpha / 2 : options.alpha;
  const scale = evidence.scale;
  const upper = toScale(scale, options.thresholdPct);
  const lower = toScale(scale, -options.thresholdPct);
  // The machine's plausible move, on the decision scale; no credit for a move in the mesh's favour.
  const controlLow = control ? Math.min(0, boundOf(control, 'lower', 1 - alpha).bound) : 0;
  const controlHigh = control ? Math.max(0, boundOf(control, 'upper', 1 - alpha).bound) : 0;
  const worseAt = upper + controlHigh;
  const notWorseAt = upper + controlLow;
  const betterAt = lower + controlLow;
  const notBetterAt = lower + controlHigh;
  return {
    input: figure,
    alpha,
    scale,
    estimate: estimateOf(evidence),
    low: boundOf(evidence, 'lower', 1 - alpha),
    high: boundOf(evidence, 'upper', 1 - alpha),
    worseAt,
    notWorseAt,
    betterAt,
    notBetterAt,
    pWorse: pValueOf(evidence, worseAt, 'greater'),
    pNotWorse: pValueOf(evidence, notWorseAt, 'less'),
    pBetter: Number.isFinite(betterAt) ? pValueOf(evidence, betterAt, 'less') : 1,
    pNotBetter: Number.isFinite(notBetterAt) ? pValueOf(evidence, notBetterAt, 'greater') : 0,
    controlLow: control ? controlLow : null,
    controlHigh: control ? controlHigh : null,
  };
}

function finish(p: Prepared, pWorseAdjusted: number, pBetterAdjusted: number, options: GateDecisionOptions): GateFigureDecision {
  const pct = (v: number) => fromScale(p.scale, v);
  const unit = p.scale === 'log' ? '%' : ' pp';
  const show = (v: number) => `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(Number(v.toPrecision(3)))}${unit}`;
  const notWorse = p.pNotWorse <= p.alpha;
  const notBetter = p.pNotBetter <= p.alpha;
  const regression = pWorseAdjusted <= p.alpha;
  const improvement = pBetterAdjusted <= p.alpha;
  const verdict: GateVerdict = regression ? 'regression' : improvement ? 'improvement' : notWorse && notBetter ? 'no-change' : notWorse ? 'not-worse' : 'inconclusive';
  const n = sizeOf(p.input.evidence);
  const confidence = Math.max(0, p.low.confidence + p.high.confidence - 1);
  const interval = `[${show(pct(p.low.bound))}, ${show(pct(p.high.bound))}]`;
  const machine = p.controlLow !== null && (p.controlLow < 0 || p.controlHigh! > 0) ? ` (threshold moved by the baseline's own change ${show(pct(p.controlLow))}…${show(pct(p.controlHigh!))})` : '';
  let reason: string;
  let repetitionsNeeded: RepetitionsNeeded | null = null;
  switch (verdict) {
    case 'regression':
      reason = `above ${show(pct(p.worseAt))}${machine}: p = ${fmtP(pWorseAdjusted)} after Holm`;
      break;
    case 'improvement':
      reason = `below ${show(pct(p.betterAt))}${machine}: p = ${fmtP(pBetterAdjusted)} after Holm`;
      break;
    case 'no-change':
      reason = `${interval} within ±${options.thresholdPct}${unit}${machine}`;
      break;
    case 'not-worse':
      reason = `upper bound ${show(pct(p.high.bound))} below ${show(pct(p.notWorseAt))}${machine}; it may be an improvement`;
      break;
    default: {
      const toward = p.estimate >= p.notWorseAt ? p.worseAt : p.notWorseAt;
      const e = p.input.evidence;
      repetitionsNeeded = repetitionsToDecide({
        values: e.kind === 'paired' ? e.values : e.candidate,
        otherValues: e.kind === 'two-sample' ? e.reference : undefined,
        estimate: p.estimate,
        boundary: toward,
        alpha: p.alpha,
        minimumDecidable: minimumDecidable(e, p.alpha),
        cap: options.maxRepetitions,
      });
      const short = n < minimumDecidable(e, p.alpha) ? `${n} repetitions cannot reach ${Math.round((1 - p.alpha) * 1000) / 10}% one-sided; ` : '';
      reason = `${short}${interval} crosses ${show(pct(toward))}${machine}; ${describeRepetitionsNeeded(repetitionsNeeded, n)}`;
    }
  }
  return {
    verdict,
    changePct: pct(p.estimate),
    changeLowPct: pct(p.low.bound),
    changeHighPct: pct(p.high.bound),
    confidence,
    n,
    pWorse: p.pWorse,
    pWorseAdjusted,
    pNotWorse: p.pNotWorse,
    pBetterAdjusted,
    controlLowPct: p.controlLow === null ? null : pct(p.controlLow),
    controlHighPct: p.controlHigh === null ? null : pct(p.controlHigh),
    reason,
    repetitionsNeeded,
  };
}

function fmtP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toPrecision(2);
}
