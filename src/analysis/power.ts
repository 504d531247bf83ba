/**
 * How many repetitions would likely decide an undecided figure: a power calculation at the
 * spread observed, for the rank test the figure is decided by, capped.
 *
 * Normal-theory sample size for a one-sided test at level α with power 1 − β to detect a
 * distance δ from the threshold at spread σ is ((z₁₋α + z₁₋β)·σ/δ)² (paired or one sample), twice
 * that per side for two independent samples; a rank test needs 1/ARE as many again: the sign
 * test π/2 (ARE 2/π), Mann–Whitney π/3 (ARE 3/π) against the t-test on normal data
 * (Hollander, Wolfe & Chicken, §3.4, §4.1). The spread is the normal-consistent MAD, robust to
 * the odd wild repetition. It is a planning figure, not a promise.
 */
import { medianAbsoluteDeviation, probit } from 'simple-statistics';

export interface PowerInput {
  /** Per-repetition values on the scale the decision is made (e.g. log ratios). */
  values: readonly number[];
  /** For two samples, the other side's values (its spread is pooled in). */
  otherValues?: readonly number[];
  estimate: number;
  /** The decision's boundary on the same scale (the threshold the estimate must clear). */
  boundary: number;
  alpha: number;
  power?: number;
  /** Smallest count the exact test can decide at all at this α. */
  minimumDecidable: number;
  cap: number;
}

export type RepetitionsNeeded =
  | { kind: 'estimate'; repetitions: number }
  | { kind: 'beyond-cap'; cap: number }
  | { kind: 'on-threshold' }
  | { kind: 'no-spread' };

export function repetitionsToDecide(input: PowerInput): RepetitionsNeeded {
  const power = input.power ?? 0.8;
  const distance = Math.abs(input.estimate - input.boundary);
  if (!(distance > 0)) return { kind: 'on-threshold' };
  const spreads = [input.values, input.otherValues].filter((v): v is readonly number[] => !!v && v.length >= 2).map((v) => 1.4826 * medianAbsoluteDeviation([...v]));
  if (spreads.length === 0) return { kind: 'no-spread' };
  const sigma = Math.sqrt(spreads.reduce((s, x) => s + x * x, 0) / spreads.length);
  if (!(sigma > 0)) return { kind: 'estimate', repetitions: input.minimumDecidable };
  const twoSample = input.otherValues !== undefined;
  const z = probit(1 - input.alpha) + probit(power);
  const normalN = (twoSample ? 2 : 1) * ((z * sigma) / distance) ** 2;
  const rankN = normalN * (twoSample ? Math.PI / 3 : Math.PI / 2);
  const needed = Math.max(input.minimumDecidable, Math.ceil(rankN - 1e-9));
  return needed > input.cap ? { kind: 'beyond-cap', cap: input.cap } : { kind: 'estimate', repetitions: needed };
}

export function describeRepetitionsNeeded(needed: RepetitionsNeeded, current: number): string {
  switch (needed.kind) {
    case 'estimate':
      return needed.repetitions > current ? `about ${needed.repetitions} repetitions (${needed.repetitions - current} more) would likely decide it` : 'more repetitions at this spread would likely decide it';
    case 'beyond-cap':
      return `not decidable below ${needed.cap} repetitions at this spread`;
    case 'on-threshold':
      return 'the estimate sits on the threshold: no number of repetitions is likely to decide it';
    case 'no-spread':
      return 'too few repetitions to estimate how many would decide it';
  }
}
