/**
 * CFS bandwidth throttling from a cgroup's cpu.stat: how many quota periods ran out of
 * quota, and for how long the group's tasks were held back. The signature of a CPU limit
 * that is too tight: p50 barely moves while p99 approaches the period length (lab §8b).
 */

export interface CpuThrottling {
  /** Enforcement periods in which the group wanted to run (nr_periods). */
  periods: number;
  /** Periods in which it ran out of quota (nr_throttled). */
  throttledPeriods: number;
  /** Time its tasks were held back (throttled_time ns on v1, throttled_usec on v2). */
  throttledMs: number;
  /** throttledPeriods / periods × 100; 0 when there were no periods. */
  throttledPct: number;
}

/** Parses cpu.stat of either version; counters missing from the text count 0 (no quota yet). */
export function parseCpuStat(text: string): CpuThrottling {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^\d+$/.test(value)) values.set(key, Number(value));
  }
  const periods = values.get('nr_periods') ?? 0;
  const throttledPeriods = values.get('nr_throttled') ?? 0;
  const throttledMs = values.has('throttled_usec') ? values.get('throttled_usec')! / 1_000 : (values.get('throttled_time') ?? 0) / 1_000_000;
  return { periods, throttledPeriods, throttledMs, throttledPct: pct(throttledPeriods, periods) };
}

/** Throttling between two readings of the same cgroup (the counters are cumulative). */
export function throttlingBetween(before: CpuThrottling, after: CpuThrottling): CpuThrottling {
  const periods = Math.max(0, after.periods - before.periods);
  const throttledPeriods = Math.max(0, after.throttledPeriods - before.throttledPeriods);
  return { periods, throttledPeriods, throttledMs: Math.max(0, after.throttledMs - before.throttledMs), throttledPct: pct(throttledPeriods, periods) };
}

function pct(part: number, whole: number): number {
  return whole > 0 ? (part / whole) * 100 : 0;
}
