/**
 * What one gated figure's data say, on the scale its decision is made on: the per-repetition
 * values of a paired comparison (one run, candidate and reference side by side), or the two
 * independent samples of a comparison between two runs. Changes in percent are decided on
 * logarithms (a ratio), changes in percentage points on the values themselves.
 *
 * Paired: the sign test and its order-statistic interval for the median per-repetition change,
 * exact for any continuous distribution. Two runs: the Mann–Whitney test and Moses' interval for
 * the Hodges–Lehmann shift, exact under the shift model.
 */
import { median } from 'simple-statistics';
import type { OneSidedBound } from './exact/interval.js';
import { hodgesLehmannShift, shiftBound, shiftTestPValue } from './exact/moses-interval.js';
import { medianBound, signTestPValue, smallestSignTestPValue } from './exact/sign-interval.js';
import { mannWhitneyNull } from './exact/mann-whitney.js';

export type Evidence =
  | { kind: 'paired'; scale: Scale; values: readonly number[] }
  | { kind: 'two-sample'; scale: Scale; reference: readonly number[]; candidate: readonly number[] };

/** 'log': values are logarithms and a change is a ratio shown in percent; 'linear': a change in the values' own unit (percentage points). */
export type Scale = 'log' | 'linear';

export function estimateOf(e: Evidence): number {
  return e.kind === 'paired' ? median([...e.values]) : hodgesLehmannShift(e.reference, e.candidate);
}

export function boundOf(e: Evidence, side: 'lower' | 'upper', confidence: number): OneSidedBound {
  return e.kind === 'paired' ? medianBound(e.values, side, confidence) : shiftBound(e.reference, e.candidate, side, confidence);
}

/** One-sided exact p-value of "the change equals delta0" against "it is larger" ('greater') or "smaller". */
export function pValueOf(e: Evidence, delta0: number, alternative: 'greater' | 'less'): number {
  return e.kind === 'paired' ? signTestPValue(e.values, delta0, alternative) : shiftTestPValue(e.reference, e.candidate, delta0, alternative);
}

export function sizeOf(e: Evidence): number {
  return e.kind === 'paired' ? e.values.length : Math.min(e.reference.length, e.candidate.length);
}

/** The fewest repetitions (per side for two runs) at which the exact test can reach `alpha` at all. */
export function minimumDecidable(e: Evidence, alpha: number): number {
  for (let n = 1; n <= 60; n++) {
    const smallest = e.kind === 'paired' ? smallestSignTestPValue(n) : mannWhitneyNull(n, n).cdf(0);
    if (smallest <= alpha) return n;
  }
  return 60;
}

/** A threshold in percent (or points) on the decision scale. */
export function toScale(scale: Scale, pct: number): number {
  if (scale === 'linear') return pct;
  return pct <= -100 ? -Infinity : Math.log1p(pct / 100);
}

/** A value on the decision scale in percent (or points). */
export function fromScale(scale: Scale, value: number): number {
  return scale === 'linear' ? value : Math.expm1(value) * 100;
}
