/**
 * Several load agents' results as one: what a trial driven by several processes records.
 * Exact wherever the agents report enough to be: counts are summed, latency histograms are
 * merged, and each second's percentiles come from that second's merged histogram. Percentiles
 * are never averaged. Pure, so the arithmetic is tested on synthetic results.
 */
import type { LoadAgentResult } from '../agents/load-agent.js';
import type { OpenLoopAgentResult, SendLatenessUs } from '../agents/open-loop-agent.js';
import { perSecondFigures, type PerSecondFigures } from '../agents/per-second.js';
import { encodeHistogram, mergeEncodedHistograms } from '../analysis/histograms.js';

/**
 * Closed loop (and the part every result has): responses and errors summed, the window as long
 * as the longest process's, the latency histograms merged.
 */
export function mergeClosedLoopResults(results: readonly LoadAgentResult[]): LoadAgentResult {
  if (results.length === 0) throw new RangeError('no load agent results to merge');
  return {
    event: 'result',
    measuredMs: Math.max(...results.map((r) => r.measuredMs)),
    responses: sumOf(results, (r) => r.responses),
    connectionErrors: sumOf(results, (r) => r.connectionErrors),
    timeouts: sumOf(results, (r) => r.timeouts),
    non2xx: sumOf(results, (r) => r.non2xx),
    histogram: encodeHistogram(mergeEncodedHistograms(results.map((r) => r.histogram))),
    perSecond: mergePerSecond(results.map((r) => r.perSecond)),
  };
}

/**
 * Open loop: rates, counts, pool sizes and CPU time summed; event-loop delay and CPU share the
 * worst process's (they describe whether a driver was the limit, and one late driver is enough);
 * 100 ms counts summed bucket by bucket; send lateness from the merged lateness histograms.
 */
export function mergeOpenLoopResults(results: readonly OpenLoopAgentResult[]): OpenLoopAgentResult {
  const first = results[0];
  if (!first) throw new RangeError('no load agent results to merge');
  for (const r of results) {
    if (r.arrival !== first.arrival) throw new RangeError(`cannot merge open-loop results with different arrival processes (${first.arrival}, ${r.arrival})`);
    if (r.lateSendThresholdMs !== first.lateSendThresholdMs)
      throw new RangeError(`cannot merge open-loop results with different late-send thresholds (${first.lateSendThresholdMs}, ${r.lateSendThresholdMs} ms)`);
  }
  const round3 = (n: number) => Math.round(n * 1000) / 1000;
  return {
    ...mergeClosedLoopResults(results),
    arrival: first.arrival,
    // Process k ran seed + k; the first one's is the trial's.
    seed: first.seed,
    requestedRps: sumOf(results, (r) => r.requestedRps),
    achievedRps: sumOf(results, (r) => r.achievedRps),
    scheduledRequests: sumOf(results, (r) => r.scheduledRequests),
    sentRequests: sumOf(results, (r) => r.sentRequests),
    sendLatenessUs: mergeSendLateness(results),
    lateSends: sumOf(results, (r) => r.lateSends),
    droppedRequests: sumOf(results, (r) => r.droppedRequests),
    scheduleMissed: sumOf(results, (r) => r.scheduleMissed),
    lateSendThresholdMs: first.lateSendThresholdMs,
    maxConnections: sumOf(results, (r) => r.maxConnections),
    // Each process's own peak, summed: at most what was in flight at once across them all.
    maxConnectionsUsed: sumOf(results, (r) => r.maxConnectionsUsed),
    eventLoopDelayP99Ms: Math.max(...results.map((r) => r.eventLoopDelayP99Ms)),
    cpuUserMs: round3(sumOf(results, (r) => r.cpuUserMs)),
    cpuSystemMs: round3(sumOf(results, (r) => r.cpuSystemMs)),
    cpuPct: Math.max(...results.map((r) => r.cpuPct)),
    sentPer100Ms: sumElementWise(results.map((r) => r.sentPer100Ms)),
    completedPer100Ms: sumElementWise(results.map((r) => r.completedPer100Ms)),
  };
}

/**
 * Second s of each process's own window, merged. The processes start measuring within about a
 * millisecond of each other (one `go` line each), so second s is the same second of the trial
 * to that precision. A second reported by one process only is taken as it is; a second that
 * several report needs their histograms (agents started with `mergeableHistograms`).
 */
function mergePerSecond(series: readonly (readonly PerSecondFigures[])[]): PerSecondFigures[] {
  const bySecond = new Map<number, PerSecondFigures[]>();
  for (const entries of series) for (const entry of entries) bySecond.set(entry.second, [...(bySecond.get(entry.second) ?? []), entry]);
  return [...bySecond.entries()]
    .sort(([a], [b]) => a - b)
    .map(([second, entries]) => {
      if (entries.length === 1) return withoutHistogram(entries[0]);
      const histograms = entries.map((e) => e.histogram);
      if (histograms.some((h) => h === undefined))
        throw new RangeError(`second ${second} was reported by ${entries.length} load agents without its histogram; start them with mergeableHistograms to merge exactly`);
      // The agents' maxima are exact; a decoded histogram only knows its top bucket.
      const maxUs = Math.round(Math.max(...entries.map((e) => e.latencyMaxMs)) * 1000);
      return perSecondFigures(second, mergeEncodedHistograms(histograms as string[]), { maxUs });
    });
}

function withoutHistogram({ second, requests, latencyP50Ms, latencyP99Ms, latencyMaxMs }: PerSecondFigures): PerSecondFigures {
  return { second, requests, latencyP50Ms, latencyP99Ms, latencyMaxMs };
}

function mergeSendLateness(results: readonly OpenLoopAgentResult[]): SendLatenessUs {
  const max = Math.max(...results.map((r) => r.sendLatenessUs.max));
  const histograms = results.map((r) => r.sendLatenessHistogram);
  if (histograms.every((h): h is string => h !== undefined)) {
    const merged = mergeEncodedHistograms(histograms);
    return { p50: merged.getValueAtPercentile(50), p99: merged.getValueAtPercentile(99), max };
  }
  // Without every process's histogram the merged percentiles cannot be known: take the worst
  // process's, an upper bound of them (the agents report histograms when asked; this is a fallback).
  return { p50: Math.max(...results.map((r) => r.sendLatenessUs.p50)), p99: Math.max(...results.map((r) => r.sendLatenessUs.p99)), max };
}

function sumOf<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((sum, item) => sum + value(item), 0);
}

/** Bucket i of the result is the sum of bucket i of each series; shorter series count as 0 there. */
function sumElementWise(series: readonly (readonly number[])[]): number[] {
  const length = Math.max(0, ...series.map((s) => s.length));
  return Array.from({ length }, (_, i) => sumOf(series, (s) => s[i] ?? 0));
}
