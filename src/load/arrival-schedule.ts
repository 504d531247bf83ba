/**
 * When each request of an open-loop trial is due, relative to the start of the window. Pure
 * and lazy: a 60 s trial at 50,000 req/s would be 3 million entries, so due times are
 * produced one at a time and never stored.
 */
import { createRng, type RandomSource } from '../analysis/random.js';

export const arrivalProcesses = ['constant', 'poisson'] as const;
export type ArrivalProcess = (typeof arrivalProcesses)[number];

export interface ArrivalScheduleOptions {
  ratePerSecond: number;
  /** Arrivals due at or after this many seconds are not produced; omit for an endless schedule. */
  durationSeconds?: number;
  process: ArrivalProcess;
  /** Seeds the Poisson inter-arrival draws; the constant schedule ignores it. */
  seed: number;
  /**
   * Constant only: every arrival is due this much later (request i at offset + i / R), still
   * only inside the window. Several processes sharing one rate use it to interleave: with N
   * processes at R / N each, process k offset by k / R makes their merged arrivals the
   * evenly spaced schedule of R. Default 0; Poisson ignores it (its arrivals are memoryless).
   */
  offsetMs?: number;
}

/**
 * Due times in ms from the window's start, ascending.
 * Constant: request i is due at offset + i / R, computed from i (not summed) so no rounding drifts in.
 * Poisson: exponential inter-arrivals with mean 1 / R, the arrivals of independent users.
 * Options are checked here, not at the first `next()`, so mistakes surface where they are made.
 */
export function arrivalTimesMs(options: ArrivalScheduleOptions): Generator<number, void, undefined> {
  const { ratePerSecond, durationSeconds } = options;
  if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0) throw new RangeError(`ratePerSecond must be a positive number, got ${ratePerSecond}`);
  if (durationSeconds !== undefined && !(durationSeconds >= 0)) throw new RangeError(`durationSeconds must be a non-negative number, got ${durationSeconds}`);
  const offsetMs = options.offsetMs ?? 0;
  if (!Number.isFinite(offsetMs) || offsetMs < 0) throw new RangeError(`offsetMs must be a finite non-negative number, got ${offsetMs}`);
  const endMs = durationSeconds === undefined ? Infinity : durationSeconds * 1000;
  switch (options.process) {
    case 'constant':
      return constantArrivals(ratePerSecond, endMs, offsetMs);
    case 'poisson':
      return poissonArrivals(ratePerSecond, endMs, createRng(options.seed));
    default:
      throw new RangeError(`unknown arrival process "${String(options.process)}"; expected one of ${arrivalProcesses.join(', ')}`);
  }
}

function* constantArrivals(ratePerSecond: number, endMs: number, offsetMs: number): Generator<number, void, undefined> {
  for (let i = 0; ; i++) {
    const dueMs = offsetMs + (i * 1000) / ratePerSecond;
    if (dueMs >= endMs) return;
    yield dueMs;
  }
}

function* poissonArrivals(ratePerSecond: number, endMs: number, random: RandomSource): Generator<number, void, undefined> {
  const meanIntervalMs = 1000 / ratePerSecond;
  let dueMs = 0;
  for (;;) {
    // 1 - u is in (0, 1], so the log is finite.
    dueMs += -Math.log(1 - random()) * meanIntervalMs;
    if (dueMs >= endMs) return;
    yield dueMs;
  }
}
