import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

export type { Histogram };

/**
 * Latency figures of one histogram of microseconds, converted to milliseconds.
 * Percentiles are HDR bucket values, so they carry its 3 significant digits (at most 0.1% off).
 */
export interface LatencyPercentilesMs {
  latencyP50Ms: number;
  latencyP90Ms: number;
  latencyP99Ms: number;
  latencyP999Ms: number;
  latencyP9999Ms: number;
  latencyMaxMs: number;
  latencyMeanMs: number;
  /** Number of recorded latencies. */
  count: number;
}

/** 1 µs to 60 s at 3 significant digits, as the load generator records; auto-resize keeps longer stalls instead of throwing. */
const buildRequest = {
  lowestDiscernibleValue: 1,
  highestTrackableValue: 60_000_000,
  numberOfSignificantValueDigits: 3,
  bitBucketSize: 64,
  autoResize: true,
  // JS mode: WebAssembly histograms must be destroyed by hand, which pure functions cannot promise.
  useWebAssembly: false,
} as const;

/** An empty µs histogram with the settings used across meshbench. */
export function createHistogramUs(): Histogram {
  return hdr.build(buildRequest);
}

/** A µs histogram of raw latencies in µs (rounded to whole µs, the histogram's unit). */
export function histogramFromValuesUs(valuesUs: Iterable<number>): Histogram {
  const histogram = createHistogramUs();
  for (const value of valuesUs) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`latency must be a finite non-negative number of µs, got ${value}`);
    histogram.recordValue(Math.round(value));
  }
  return histogram;
}

/** The compressed base64 form stored in trial records (`histogram.data`). */
export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 64, false);
}

/**
 * One histogram holding every latency of the given trials. This is how a cell's percentiles are
 * computed: each request counts once, so a trial with more requests weighs more, and tails are
 * not diluted as they are when per-trial percentiles are averaged.
 */
export function mergeEncodedHistograms(encoded: readonly string[]): Histogram {
  const merged = createHistogramUs();
  for (const data of encoded) merged.add(decodeHistogram(data));
  return merged;
}

/** Percentiles of a µs histogram, in ms. Throws on an empty histogram: it has no percentiles, and 0 would read as "fast". */
export function percentilesMs(histogram: Histogram): LatencyPercentilesMs {
  const count = histogram.totalCount;
  if (count === 0) throw new RangeError('cannot compute percentiles of an empty histogram');
  const ms = (percentile: number): number => histogram.getValueAtPercentile(percentile) / 1000;
  return {
    latencyP50Ms: ms(50),
    latencyP90Ms: ms(90),
    latencyP99Ms: ms(99),
    latencyP999Ms: ms(99.9),
    latencyP9999Ms: ms(99.99),
    // Not `maxValue`: a freshly recorded histogram keeps the exact maximum but a decoded one only
    // its bucket's top, so a trial and the same trial read back would disagree. p100 is the
    // bucket top in both, and never below the other percentiles.
    latencyMaxMs: ms(100),
    latencyMeanMs: histogram.mean / 1000,
    count,
  };
}
