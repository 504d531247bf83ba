/**
 * An interval that states the confidence it actually has. Exact distribution-free intervals
 * can only take a few coverage levels at a few repetitions (an order statistic is a whole
 * value), so the requested level is a target: the interval is the narrowest one that reaches
 * it, or, when the repetitions cannot reach it, the widest there is, flagged as short.
 */
export interface ExactInterval {
  /** The point estimate: a median, or a Hodges–Lehmann shift. */
  estimate: number;
  low: number;
  high: number;
  /** Coverage the interval has (exact for continuous data under the method's assumptions). */
  confidence: number;
  requestedConfidence: number;
  /** False when too few values exist to reach requestedConfidence. */
  reachesRequested: boolean;
  /** Values behind it (per side for two samples: the smaller side). */
  n: number;
  method: IntervalMethod;
}

export type IntervalMethod =
  /** Order statistics of one sample around its median (sign-test / binomial interval). */
  | 'order-statistics'
  /** Moses' interval for the Hodges–Lehmann shift of two samples (exact Mann–Whitney null). */
  | 'moses'
  /** The same with the normal approximation to the Mann–Whitney null (large samples). */
  | 'moses-normal';

/** One-sided bound: the true value lies above `bound` (lower) or below it (upper) with `confidence`. */
export interface OneSidedBound {
  bound: number;
  confidence: number;
  requestedConfidence: number;
  reachesRequested: boolean;
}

export function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
}

export function checkFinite(values: readonly number[], what: string): void {
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError(`${what}: values must be finite, got ${v}`);
}

/** The confidence intervals are asked for; 95% unless a command says otherwise. */
export interface IntervalOptions {
  confidence?: number;
}
export const defaultConfidence = 0.95;
