/**
 * The per-second latency figures the load agents report beside their whole-window histogram,
 * so latency spikes can be lined up with the 1 Hz node samples. Shared by both agents and by
 * the merge of several agents' results (src/load/merge-results.ts), so all three compute them
 * the same way.
 */
import { encodeHistogram, type Histogram } from '../analysis/histograms.js';

export interface PerSecondFigures {
  /** Seconds since the start of the measured window. */
  second: number;
  requests: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  /**
   * The second's µs histogram (hdr compressed base64), only when the agent was asked for
   * mergeable results: percentiles of several processes can only be combined from these.
   * Not part of the trial record.
   */
  histogram?: string;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/**
 * Figures of one second's histogram. `maxUs` overrides the histogram's own maximum: a decoded
 * (merged) histogram only knows its top bucket, while the agents know the exact maxima.
 */
export function perSecondFigures(second: number, histogram: Histogram, options: { maxUs?: number; withHistogram?: boolean } = {}): PerSecondFigures {
  return {
    second,
    requests: histogram.totalCount,
    latencyP50Ms: round3(histogram.getValueAtPercentile(50) / 1000),
    latencyP99Ms: round3(histogram.getValueAtPercentile(99) / 1000),
    latencyMaxMs: round3((options.maxUs ?? histogram.maxValue) / 1000),
    ...(options.withHistogram ? { histogram: encodeHistogram(histogram) } : {}),
  };
}

/** Figures of every second that has responses; `bySecond[s]` is second s's histogram (sparse). */
export function perSecondSeries(bySecond: readonly (Histogram | undefined)[], withHistograms: boolean): PerSecondFigures[] {
  return Array.from(bySecond.entries()).flatMap(([second, h]) => (h ? [perSecondFigures(second, h, { withHistogram: withHistograms })] : []));
}
