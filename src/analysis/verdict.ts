export type Verdict = 'regression' | 'improvement' | 'no-change' | 'inconclusive';

export interface VerdictInput {
  /** Confidence interval of the change (variant − baseline, or candidate − reference). */
  deltaLow: number;
  deltaHigh: number;
  /** Smallest change that matters, ≥ 0, in the interval's unit (ms, req/s, or percent for relative overhead). */
  threshold: number;
  /** True for latency and cost, false for throughput. */
  higherIsWorse: boolean;
  /** Paired repetitions behind the interval. */
  n: number;
  /** Only for the wording of the reason ('ms', '%', ...). */
  unit?: string;
}

export interface VerdictResult {
  verdict: Verdict;
  /** One line saying which interval decided it, fit for a table cell. */
  reason: string;
  /** For 'inconclusive': roughly how many repetitions in total would likely decide; null otherwise or when no estimate is possible. */
  repetitionsNeeded: number | null;
}

/** Below this an interval from resampling says little (with 2 values it is just their range), so no verdict is given. */
export const minimumRepetitions = 3;

/**
 * Interval-based decision, an equivalence test and a superiority test in one:
 * - regression: the whole interval lies beyond +threshold in the worse direction;
 * - improvement: the whole interval lies beyond −threshold in the better direction;
 * - no-change: the whole interval lies within ±threshold;
 * - inconclusive: the interval crosses a threshold, so the data allow more than one answer.
 *
 * With threshold 0 any change counts: the interval must exclude 0 (strictly) to call a
 * regression or improvement, and "no-change" only happens when the interval is exactly [0, 0].
 * Thresholds are strict on the regression side and inclusive on the no-change side so that an
 * interval touching the threshold is never called a regression.
 */
export function decideVerdict(input: VerdictInput): VerdictResult {
  const { deltaLow, deltaHigh, threshold, higherIsWorse, n } = input;
  if (!Number.isFinite(deltaLow) || !Number.isFinite(deltaHigh) || deltaLow > deltaHigh) {
    throw new RangeError(`invalid interval [${deltaLow}, ${deltaHigh}]`);
  }
  if (!(threshold >= 0) || !Number.isFinite(threshold)) throw new RangeError(`threshold must be finite and ≥ 0, got ${threshold}`);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);

  const format = formatter(input.unit);
  const interval = `CI [${format(deltaLow)}, ${format(deltaHigh)}]`;
  const width = deltaHigh - deltaLow;
  const center = (deltaLow + deltaHigh) / 2;

  if (n < minimumRepetitions) {
    // With one value there is no spread to extrapolate from. With two, the percentile bootstrap
    // interval is just their range, about a third of an honest interval's width (for normal data
    // E[range] = 2σ/√π against 2·1.96·√(π/2)·σ/√2 for the median), so widen it before projecting.
    const needed = n < 2 || width === 0 ? null : atLeast(repetitionsToDecide(width * twoValueWidthFactor, n, threshold, center), n);
    return {
      verdict: 'inconclusive',
      reason: `only ${n} repetition${n === 1 ? '' : 's'}, at least ${minimumRepetitions} needed for a verdict; ${
        n < 2 || width === 0 ? 'no spread yet to estimate how many would decide' : neededText(needed, n)
      }`,
      repetitionsNeeded: needed,
    };
  }

  // Orient the interval so that positive always means worse.
  const worseLow = higherIsWorse ? deltaLow : -deltaHigh;
  const worseHigh = higherIsWorse ? deltaHigh : -deltaLow;
  const worseSide = higherIsWorse ? 'above' : 'below';
  const betterSide = higherIsWorse ? 'below' : 'above';
  const worseBound = format(higherIsWorse ? threshold : -threshold);
  const betterBound = format(higherIsWorse ? -threshold : threshold);

  if (worseLow > threshold) {
    return { verdict: 'regression', reason: `${interval} lies entirely ${worseSide} ${worseBound}`, repetitionsNeeded: null };
  }
  if (worseHigh < -threshold) {
    return { verdict: 'improvement', reason: `${interval} lies entirely ${betterSide} ${betterBound}`, repetitionsNeeded: null };
  }
  if (worseLow >= -threshold && worseHigh <= threshold) {
    return { verdict: 'no-change', reason: `${interval} lies within ±${unsigned(format(threshold))}`, repetitionsNeeded: null };
  }
  const needed = atLeast(repetitionsToDecide(width, n, threshold, center), n);
  const crossesWorse = worseLow <= threshold && worseHigh > threshold;
  const crossesBetter = worseLow < -threshold && worseHigh >= -threshold;
  const crossed =
    threshold === 0 ? format(0) : crossesWorse && crossesBetter ? `±${unsigned(format(threshold))}` : crossesWorse ? worseBound : betterBound;
  return {
    verdict: 'inconclusive',
    reason: `${interval} crosses ${crossed}; ${neededText(needed, n)}`,
    repetitionsNeeded: needed,
  };
}

/**
 * Rough total number of repetitions after which the interval would likely no longer cross a
 * threshold, assuming its centre stays put and its width shrinks as 1/√n (what a median's
 * interval does once n is moderate). The interval must shrink to fit between the centre and the
 * nearest of ±threshold: its half-width must fall below d = | |centre| − threshold |, so
 * n' = n · (width / 2d)². Without a centre, the centre is taken as 0, i.e. the question is how
 * many repetitions would show "no change" if there is none. Returns null when the centre sits on
 * a threshold (d = 0): then no number of repetitions can be promised.
 */
export function repetitionsToDecide(ciWidth: number, n: number, threshold: number, center = 0): number | null {
  if (!(ciWidth >= 0) || !Number.isFinite(ciWidth)) throw new RangeError(`ciWidth must be finite and ≥ 0, got ${ciWidth}`);
  if (!(n > 0)) throw new RangeError(`n must be positive, got ${n}`);
  const distance = Math.abs(Math.abs(center) - threshold);
  if (distance === 0) return null;
  // The epsilon keeps float noise (40.000000001) from adding a repetition.
  const needed = Math.ceil(n * (ciWidth / (2 * distance)) ** 2 - 1e-9);
  return Math.max(needed, minimumRepetitions);
}

const twoValueWidthFactor = (1.96 * Math.PI) / 2;

/** An inconclusive result at n always needs more than n. */
function atLeast(needed: number | null, n: number): number | null {
  return needed === null ? null : Math.max(needed, n + 1, minimumRepetitions);
}

function neededText(needed: number | null, n: number): string {
  if (needed === null) return 'the estimate sits on the threshold, so more repetitions may never decide';
  return `roughly ${needed} repetitions (${needed - n} more) would likely decide`;
}

function unsigned(formatted: string): string {
  return formatted.replace(/^[+−]/, '');
}

function formatter(unit: string | undefined): (value: number) => string {
  const suffix = unit === undefined ? '' : unit === '%' ? '%' : ` ${unit}`;
  return (value) => {
    const rounded = Number(value.toPrecision(3));
    const sign = rounded > 0 ? '+' : rounded < 0 ? '−' : '';
    return `${sign}${Math.abs(rounded)}${suffix}`;
  };
}
