import { probit } from 'simple-statistics';
import type { Observation, UnpairedRepetition } from './pairing.js';
import type { IntervalOptions } from './exact/interval.js';
import { computeOverhead, type Overhead } from './overhead.js';

export interface NoiseFloorOptions {
  /** Chance of detecting an effect of the reported size; 0.8 by convention, 0.5 gives the bare half-width. */
  power?: number;
}

export interface NoiseFloor {
  metric: string;
  unit: string;
  n: number;
  unpairedRepetitions: UnpairedRepetition[];
  /** The A/A difference itself; its interval should cover 0. */
  deltaMedian: number;
  deltaLow: number;
  deltaHigh: number;
  /** Larger side of the A/A interval around its estimate, in `unit`. */
  halfWidth: number;
  /** Smallest overhead this run would detect with probability `power`, in `unit`. */
  smallestDetectable: number;
  /** The same two figures for relative overhead, in percent; null when the ratio is undefined. */
  halfWidthPct: number | null;
  smallestDetectablePct: number | null;
  power: number;
  confidence: number;
  /**
   * The A/A interval excludes 0: two identical configurations measured differently, which points
   * at a systematic effect (order, position, warm-up) that also biases every A/B result.
   */
  systematicDifference: boolean;
}

/**
 * Noise floor from an A/A pair: the same configuration run twice under two names, at this run's
 * repetitions, on this machine. A true overhead δ shifts the whole difference interval by δ, so it
 * is called a regression once δ exceeds the interval's lower half-width (plus any verdict
 * threshold). An effect equal to the half-width is caught only about half the time, so the
 * reported floor is the half-width scaled to `power` with the normal approximation:
 *   smallestDetectable = halfWidth × (z(1−α/2) + z(power)) / z(1−α/2)
 * which at 95% confidence and 80% power is ≈ 1.43 × halfWidth. The larger side of the interval
 * is used so the floor holds for regressions and improvements alike.
 */
export function noiseFloor(aa: Overhead, options: NoiseFloorOptions = {}): NoiseFloor {
  const power = options.power ?? 0.8;
  if (!(power >= 0.5 && power < 1)) throw new RangeError(`power must be in [0.5, 1), got ${power}`);
  const zInterval = probit(1 - (1 - aa.confidence) / 2);
  const scale = (zInterval + probit(power)) / zInterval;

  const halfWidth = Math.max(aa.deltaMedian - aa.deltaLow, aa.deltaHigh - aa.deltaMedian);
  const halfWidthPct =
    aa.relativePct === null || aa.relativeLowPct === null || aa.relativeHighPct === null
      ? null
      : Math.max(aa.relativePct - aa.relativeLowPct, aa.relativeHighPct - aa.relativePct);

  return {
    metric: aa.metric,
    unit: aa.unit,
    n: aa.pairs,
    unpairedRepetitions: aa.unpairedRepetitions,
    deltaMedian: aa.deltaMedian,
    deltaLow: aa.deltaLow,
    deltaHigh: aa.deltaHigh,
    halfWidth,
    smallestDetectable: halfWidth * scale,
    halfWidthPct,
    smallestDetectablePct: halfWidthPct === null ? null : halfWidthPct * scale,
    power,
    confidence: aa.confidence,
    systematicDifference: aa.deltaLow > 0 || aa.deltaHigh < 0,
  };
}

export interface AaTrials extends NoiseFloorOptions {
  /** Trials of the first copy, treated as the baseline. */
  first: readonly Observation[];
  second: readonly Observation[];
  metric: string;
  unit?: string;
  higherIsWorse?: boolean;
  interval?: IntervalOptions;
}

/** noiseFloor from raw A/A trials: pairs them by repetition and takes the exact interval of the median difference. */
export function noiseFloorFromTrials(input: AaTrials): NoiseFloor {
  const aa = computeOverhead({
    variantTrials: input.second,
    baselineTrials: input.first,
    metric: input.metric,
    unit: input.unit,
    higherIsWorse: input.higherIsWorse,
    interval: input.interval,
  });
  return noiseFloor(aa, { power: input.power });
}
