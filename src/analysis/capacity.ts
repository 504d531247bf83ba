/**
 * Capacity at SLO: the highest arrival rate a variant sustains within a latency and error
 * objective. Found per variant by an exponential search (double the rate until a step
 * fails), then a binary search inside the last bracket, then one longer confirmation trial at
 * the rate found. The search drives real trials through `step`; the decisions are pure.
 */
import type { TrialRecord } from '../results/schema.js';

export interface CapacitySlo {
  latencyP99Ms: number;
  errorRatePct: number;
}

export interface CapacitySearchOptions {
  startRps: number;
  maxRps: number;
  precisionPct: number;
  slo: CapacitySlo;
  /** Runs one open-loop trial at `rps` and returns its record. */
  step: (rps: number, phase: 'probe' | 'bisect' | 'confirm') => Promise<TrialRecord>;
}

export interface CapacityOutcome {
  /** Highest rate that met the SLO in the search, or null when even the lowest tried failed. */
  capacityRps: number | null;
  /** Whether the longer confirmation trial at that rate met the SLO too. */
  confirmed: boolean;
  steps: number;
  /** True when maxRps itself met the SLO: the capacity is at least this, not at most. */
  reachedMax: boolean;
}

/** Lowest rate tried when even startRps fails, by halving. */
const floorRps = 10;
/** An achieved rate this far below the requested one means the target did not keep up. */
const minAchievedShare = 0.95;

export function meetsSlo(t: TrialRecord, slo: CapacitySlo): boolean {
  const missedShare = t.openLoop && t.requestsTotal > 0 ? t.openLoop.droppedRequests / (t.requestsTotal + t.openLoop.droppedRequests) : 0;
  const keptUp = t.requestedRps === null || t.achievedRps >= t.requestedRps * minAchievedShare;
  return t.requestsTotal > 0 && t.latencyP99Ms <= slo.latencyP99Ms && t.errorRatePct + missedShare * 100 <= slo.errorRatePct && keptUp;
}

export async function searchCapacity(o: CapacitySearchOptions): Promise<CapacityOutcome> {
  let steps = 0;
  const tryRate = async (rps: number, phase: 'probe' | 'bisect' | 'confirm') => {
    steps++;
    return meetsSlo(await o.step(rps, phase), o.slo);
  };
  let good: number | null = null;
  let bad: number | null = null;
  // Exponential phase, upwards from startRps, or downwards when startRps already fails.
  for (let rps = o.startRps; ; rps *= 2) {
    const capped = Math.min(rps, o.maxRps);
    if (await tryRate(capped, 'probe')) good = capped;
    else {
      bad = capped;
      break;
    }
    if (capped >= o.maxRps) break;
  }
  if (good === null) {
    for (let rps = o.startRps / 2; rps >= floorRps; rps /= 2) {
      if (await tryRate(rps, 'probe')) {
        good = rps;
        break;
      }
      bad = rps;
    }
    if (good === null) return { capacityRps: null, confirmed: false, steps, reachedMax: false };
  }
  // Binary phase: narrow [good, bad) to the requested precision.
  while (bad !== null && (bad - good) / good > o.precisionPct / 100) {
    const mid = Math.round((good + bad) / 2);
    if (await tryRate(mid, 'bisect')) good = mid;
    else bad = mid;
  }
  const confirmed = await tryRate(good, 'confirm');
  return { capacityRps: good, confirmed, steps, reachedMax: bad === null };
}

export interface CapacityResult {
  tier: string;
  variant: string;
  repetition: number;
  capacityRps: number | null;
  confirmed: boolean;
  steps: number;
  /** How late the open-loop driver sent in the confirmation trial (p99): the instrument's share of the p99. */
  driverLatenessP99Ms: number | null;
}

/** Capacity per search, read back from the trial records of a run (for reports). */
export function capacityResults(trials: readonly TrialRecord[]): CapacityResult[] {
  const searches = new Map<string, TrialRecord[]>();
  for (const t of trials) if (t.capacityStep) searches.set(t.capacityStep.searchId, [...(searches.get(t.capacityStep.searchId) ?? []), t]);
  return [...searches.values()].map((steps) => {
    const confirm = steps.find((t) => t.capacityStep!.phase === 'confirm');
    const best = Math.max(0, ...steps.filter((t) => t.capacityStep!.metSlo && t.requestedRps !== null).map((t) => t.requestedRps!));
    return {
      tier: steps[0].tier,
      variant: steps[0].variant,
      repetition: steps[0].repetition,
      capacityRps: confirm?.requestedRps ?? (best > 0 ? best : null),
      confirmed: confirm?.capacityStep?.metSlo ?? false,
      steps: steps.length,
      driverLatenessP99Ms: confirm?.openLoop ? confirm.openLoop.sendLatenessP99Us / 1000 : null,
    };
  });
}
