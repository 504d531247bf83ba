/**
 * Verdicts for the many figures of one report (each variant against the baseline, each rung,
 * each tier contrast), decided together so that the share of wrong calls stays controlled:
 * every figure gets exact one-sided p-values for "worse beyond the margin", "better beyond the
 * margin" and "within the margin" (two one-sided tests), and all of them are adjusted at once
 * with Benjamini–Hochberg (multiplicity.ts). A call is made when its adjusted p-value (q) is at
 * most α; anything else is "inconclusive": the report says it can't tell rather than guess.
 */
import { benjaminiHochbergAdjust } from './multiplicity.js';
import { estimateOf, minimumDecidable, pValueOf, sizeOf, type Evidence } from './gate-evidence.js';
import { describeRepetitionsNeeded, repetitionsToDecide, type RepetitionsNeeded } from './power.js';

export type Verdict = 'regression' | 'improvement' | 'no-change' | 'inconclusive';

/** Below this an interval cannot be shown at all (one value has no spread). */
export const minimumRepetitions = 2;

export const defaultVerdictAlpha = 0.05;

export interface FigureToDecide {
  /** Per-repetition values (paired) or two samples, on a linear scale in the figure's unit. */
  evidence: Evidence;
  /** Smallest change that matters, ≥ 0, in the same unit. */
  margin: number;
  /** True for latency and cost, false for throughput. */
  higherIsWorse: boolean;
  /** Only for the wording of the reason ('ms', '%', 'points'). */
  unit: string;
}

export interface VerdictResult {
  verdict: Verdict;
  /** One line saying what decided it, fit for a table cell. */
  reason: string;
  /** The adjusted p-value of the call made (or of the closest call, when inconclusive). */
  qValue: number;
  repetitionsNeeded: RepetitionsNeeded | null;
}

export function decideVerdicts(figures: readonly FigureToDecide[], alpha = defaultVerdictAlpha, maxRepetitions = 50): VerdictResult[] {
  const tests = figures.map((f) => {
    const up = f.margin;
    const down = -f.margin;
    const pUp = pValueOf(f.evidence, up, 'greater');
    const pDown = pValueOf(f.evidence, down, 'less');
    // Within ±margin: both one-sided tests must reject; with margin 0 "no change" cannot be shown.
    const pWithin = f.margin > 0 ? Math.max(pValueOf(f.evidence, up, 'less'), pValueOf(f.evidence, down, 'greater')) : 1;
    return { pUp, pDown, pWithin };
  });
  const q = benjaminiHochbergAdjust(tests.flatMap((t) => [t.pUp, t.pDown, t.pWithin]));
  return figures.map((f, i) => {
    const [qUp, qDown, qWithin] = [q[3 * i], q[3 * i + 1], q[3 * i + 2]];
    const qWorse = f.higherIsWorse ? qUp : qDown;
    const qBetter = f.higherIsWorse ? qDown : qUp;
    const show = (v: number) => `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(Number(v.toPrecision(3)))}${f.unit === '%' ? '%' : ` ${f.unit}`}`;
    const margin = f.margin > 0 ? `±${show(f.margin).slice(1)}` : '0';
    if (qWorse <= alpha) return { verdict: 'regression', reason: `worse beyond ${margin} (q = ${fmtQ(qWorse)})`, qValue: qWorse, repetitionsNeeded: null };
    if (qBetter <= alpha) return { verdict: 'improvement', reason: `better beyond ${margin} (q = ${fmtQ(qBetter)})`, qValue: qBetter, repetitionsNeeded: null };
    if (qWithin <= alpha) return { verdict: 'no-change', reason: `within ${margin} (q = ${fmtQ(qWithin)})`, qValue: qWithin, repetitionsNeeded: null };
    const estimate = estimateOf(f.evidence);
    const boundary = estimate >= f.margin ? f.margin : estimate <= -f.margin ? -f.margin : Math.abs(estimate - f.margin) < Math.abs(estimate + f.margin) ? f.margin : -f.margin;
    const e = f.evidence;
    const needed = repetitionsToDecide({
      values: e.kind === 'paired' ? e.values : e.candidate,
      otherValues: e.kind === 'two-sample' ? e.reference : undefined,
      estimate,
      boundary,
      alpha: alpha / Math.max(1, figures.length),
      minimumDecidable: minimumDecidable(e, alpha / Math.max(1, figures.length)),
      cap: maxRepetitions,
    });
    const closest = Math.min(qWorse, qBetter, qWithin);
    return { verdict: 'inconclusive', reason: `can't tell at ${margin} (best q = ${fmtQ(closest)}); ${describeRepetitionsNeeded(needed, sizeOf(e))}`, qValue: closest, repetitionsNeeded: needed };
  });
}

function fmtQ(q: number): string {
  return q < 0.001 ? q.toExponential(1) : q.toPrecision(2);
}
