/**
 * Merging several load agents' results: two synthetic results with known answers. The
 * latencies are below 2,048 µs (where the histogram's buckets are 1 µs wide) unless a test is
 * about bucket tops, so every percentile is an exact known number.
 */
import { describe, expect, it } from 'vitest';
import type { LoadAgentResult } from '../../src/agents/load-agent.js';
import type { OpenLoopAgentResult } from '../../src/agents/open-loop-agent.js';
import { perSecondFigures } from '../../src/agents/per-second.js';
import { decodeHistogram, encodeHistogram, histogramFromValuesUs, percentilesMs } from '../../src/analysis/histograms.js';
import { mergeClosedLoopResults, mergeOpenLoopResults } from '../../src/load/merge-results.js';

const repeat = (valueUs: number, count: number) => Array<number>(count).fill(valueUs);

/** A closed-loop result whose second s holds the latencies `seconds[s]` (µs). */
function closedResult(seconds: number[][], extra: Partial<LoadAgentResult> = {}, withHistograms = true): LoadAgentResult {
  const all = seconds.flat();
  return {
    event: 'result',
    measuredMs: 3000,
    responses: all.length,
    connectionErrors: 0,
    timeouts: 0,
    non2xx: 0,
    histogram: encodeHistogram(histogramFromValuesUs(all)),
    perSecond: seconds.map((values, second) => perSecondFigures(second, histogramFromValuesUs(values), { withHistogram: withHistograms })),
    ...extra,
  };
}

// A: 100 answers of 100 µs; B: 99 of 1,000 µs and one of 3,000 µs. Per process, p50 is 0.1 and
// 1.0 ms; averaging them would say 0.55 ms. Pooled, the 100th of 200 answers is 100 µs.
const a = closedResult([repeat(100, 70), repeat(100, 30)], { measuredMs: 3001.5, connectionErrors: 1, timeouts: 2, non2xx: 3 });
const b = closedResult([[...repeat(1000, 39), 3000], repeat(1000, 50), repeat(1000, 10)], { measuredMs: 2999, connectionErrors: 10, timeouts: 20, non2xx: 30 });

describe('mergeClosedLoopResults', () => {
  const merged = mergeClosedLoopResults([a, b]);

  it('sums responses and errors, and keeps the longest window', () => {
    expect(merged.responses).toBe(200);
    expect(merged).toMatchObject({ connectionErrors: 11, timeouts: 22, non2xx: 33, measuredMs: 3001.5 });
  });

  it('merges the histograms: pooled percentiles, not averaged ones', () => {
    const histogram = decodeHistogram(merged.histogram);
    expect(histogram.totalCount).toBe(200);
    const latency = percentilesMs(histogram);
    expect(latency.latencyP50Ms).toBe(0.1);
    expect(latency.latencyP99Ms).toBe(1);
    // The mean counts each answer at its bucket's middle: 3,000 µs as 3,000.5.
    expect(latency.latencyMeanMs).toBeCloseTo((100 * 100 + 99 * 1000 + 3000) / 200 / 1000, 4);
    expect(percentilesMs(histogram)).toEqual(percentilesMs(histogramFromValuesUs([...repeat(100, 100), ...repeat(1000, 99), 3000])));
  });

  it('recomputes each second from the merged per-second histograms, with the exact maximum', () => {
    expect(merged.perSecond).toEqual([
      // 70 × 100 µs and 40 answers from B: the 55th of 110 is 100 µs; 3,000 µs is B's exact max (its bucket top is 3,001).
      { second: 0, requests: 110, latencyP50Ms: 0.1, latencyP99Ms: 1, latencyMaxMs: 3 },
      // 30 × 100 µs and 50 × 1,000 µs: the 40th of 80 is 1,000 µs.
      { second: 1, requests: 80, latencyP50Ms: 1, latencyP99Ms: 1, latencyMaxMs: 1 },
      // Only B answered in its third second: taken as it is, without its histogram.
      { second: 2, requests: 10, latencyP50Ms: 1, latencyP99Ms: 1, latencyMaxMs: 1 },
    ]);
    expect(merged.perSecond.reduce((sum, s) => sum + s.requests, 0)).toBe(merged.responses);
  });

  it('refuses to merge a second several agents reported without its histogram', () => {
    const bare = closedResult([repeat(500, 10)], {}, false);
    expect(() => mergeClosedLoopResults([bare, bare])).toThrow(/second 0 .*mergeableHistograms/);
  });

  it('rejects an empty list', () => {
    expect(() => mergeClosedLoopResults([])).toThrow(RangeError);
  });
});

function openResult(base: LoadAgentResult, latenessUs: number[], fields: Partial<OpenLoopAgentResult>): OpenLoopAgentResult {
  const lateness = histogramFromValuesUs(latenessUs);
  return {
    ...base,
    arrival: 'constant',
    seed: 7,
    requestedRps: 100,
    achievedRps: 99,
    scheduledRequests: 100,
    sentRequests: 100,
    sendLatenessUs: { p50: lateness.getValueAtPercentile(50), p99: lateness.getValueAtPercentile(99), max: lateness.maxValue },
    sendLatenessHistogram: encodeHistogram(lateness),
    lateSends: 0,
    droppedRequests: 0,
    scheduleMissed: 0,
    lateSendThresholdMs: 2,
    maxConnections: 128,
    maxConnectionsUsed: 3,
    eventLoopDelayP99Ms: 0.5,
    cpuUserMs: 100.1,
    cpuSystemMs: 20.2,
    cpuPct: 40,
    sentPer100Ms: [10, 10, 10],
    completedPer100Ms: [9, 10, 11],
    ...fields,
  };
}

describe('mergeOpenLoopResults', () => {
  // Lateness: A 109 × 10 µs and 1 × 900 µs; B 90 × 500 µs. Pooled, the 100th of 200 is 10 µs and the 198th 500 µs.
  const openA = openResult(a, [...repeat(10, 109), 900], { lateSends: 1, droppedRequests: 2, scheduleMissed: 3, eventLoopDelayP99Ms: 4.5, cpuPct: 70 });
  const openB = openResult(b, repeat(500, 90), {
    seed: 8,
    requestedRps: 100,
    achievedRps: 101,
    scheduledRequests: 101,
    sentRequests: 99,
    lateSends: 10,
    droppedRequests: 20,
    scheduleMissed: 30,
    maxConnections: 128,
    maxConnectionsUsed: 5,
    cpuUserMs: 200.2,
    cpuSystemMs: 30.1,
    sentPer100Ms: [1, 2, 3, 4],
    completedPer100Ms: [5],
  });
  const merged = mergeOpenLoopResults([openA, openB]);

  it('sums rates, counts, pools and CPU time', () => {
    expect(merged).toMatchObject({
      requestedRps: 200,
      achievedRps: 200,
      scheduledRequests: 201,
      sentRequests: 199,
      lateSends: 11,
      droppedRequests: 22,
      scheduleMissed: 33,
      maxConnections: 256,
      maxConnectionsUsed: 8,
      cpuUserMs: 300.3,
      cpuSystemMs: 50.3,
      responses: 200,
      arrival: 'constant',
      seed: 7,
      lateSendThresholdMs: 2,
    });
  });

  it('keeps the worst driver\'s event-loop delay and CPU share', () => {
    expect(merged.eventLoopDelayP99Ms).toBe(4.5);
    expect(merged.cpuPct).toBe(70);
  });

  it('sums the 100 ms counts bucket by bucket', () => {
    expect(merged.sentPer100Ms).toEqual([11, 12, 13, 4]);
    expect(merged.completedPer100Ms).toEqual([14, 10, 11]);
  });

  it('merges send lateness from the histograms, with the exact maximum', () => {
    expect(merged.sendLatenessUs).toEqual({ p50: 10, p99: 500, max: 900 });
  });

  it('falls back to the worst process\'s lateness percentiles when a histogram is missing', () => {
    const { sendLatenessHistogram: _, ...withoutHistogram } = openB;
    expect(mergeOpenLoopResults([openA, withoutHistogram]).sendLatenessUs).toEqual({ p50: 500, p99: 500, max: 900 });
  });

  it('refuses results of different arrival processes', () => {
    expect(() => mergeOpenLoopResults([openA, { ...openB, arrival: 'poisson' }])).toThrow(/arrival/);
  });
});
