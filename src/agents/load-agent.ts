/**
 * The closed-loop load agent: autocannon against one URL, every response's latency recorded
 * in microseconds into our own HDR histogram (autocannon's own figures are whole
 * milliseconds), plus one small histogram per second so latency spikes can be lined up with
 * node samples. Runs as its own process so its CPU can be measured apart from everything
 * else, the same way it runs in a pod.
 *
 * Protocol (JSON lines on stdout): `{"event":"warmed-up"}` after the warm-up; then it waits
 * (still sending load) for a line `go` on stdin, so the parent can open its measurement window at that moment;
 * `{"event":"measured"}` as soon as the measured window ends; then `{"event":"result",...}`.
 */
import autocannon from 'autocannon';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Histogram } from 'hdr-histogram-js';
import { createHistogramUs, encodeHistogram } from '../analysis/histograms.js';
import { isMainModule } from './main-module.js';
import { perSecondSeries, type PerSecondFigures } from './per-second.js';
import { runLoadAgentProcess } from './load-agent-main.js';

export interface LoadAgentConfig {
  url: string;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  requestTimeoutSeconds: number;
  /** Wait for `go` on stdin before measuring (false when run by hand). */
  waitForGo: boolean;
  /** Also report each second's histogram, so this result can be merged exactly with other processes'. */
  mergeableHistograms?: boolean;
}

export interface LoadAgentResult {
  event: 'result';
  measuredMs: number;
  responses: number;
  connectionErrors: number;
  timeouts: number;
  non2xx: number;
  /** hdr-histogram-js compressed base64, integer microseconds. */
  histogram: string;
  perSecond: PerSecondFigures[];
}

/**
 * One autocannon instance for the warm-up, the wait for `go` and the measured window: the
 * window starts on connections that are already open and busy. (Two instances, one for the
 * warm-up and one for the window, made every window start with new connections after an idle
 * pause: in all 24 trials of the recorded quickstart the first measured second had a higher
 * p99 than the second, median ×2.2.) Only responses and errors inside the window are counted.
 */
export async function runLoad(config: LoadAgentConfig, signalReady: () => Promise<void>, emit: (line: object) => void): Promise<LoadAgentResult> {
  const overall = createHistogramUs();
  const perSecond: Histogram[] = [];
  let start: bigint | null = null;
  const counts = { non2xx: 0, connectionErrors: 0, timeouts: 0 };
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: config.url,
        connections: config.connections,
        // We stop it ourselves when the window ends; this is only a ceiling should the parent never say `go`.
        duration: Math.ceil(config.warmupSeconds + config.durationSeconds) + 600,
        sampleInt: 100,
        timeout: config.requestTimeoutSeconds,
        // One thread: workers would drop the per-response events we record.
        workers: 0,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
    if (start === null) return;
    const us = Math.max(1, Math.round(responseTimeMs * 1000));
    overall.recordValue(us);
    const second = Number((process.hrtime.bigint() - start) / 1_000_000_000n);
    (perSecond[second] ??= createHistogramUs()).recordValue(us);
    if (statusCode < 200 || statusCode >= 300) counts.non2xx++;
  });
  instance.on('reqError', (error: Error) => {
    if (start === null) return;
    if (error.message === 'request timed out') counts.timeouts++;
    else counts.connectionErrors++;
  });
  const stop = () => instance.stop();
  process.once('SIGTERM', stop);
  try {
    if (config.warmupSeconds > 0) await Promise.race([sleep(config.warmupSeconds * 1000), done]);
    emit({ event: 'warmed-up' });
    await Promise.race([signalReady(), done]);
    start = process.hrtime.bigint();
    await Promise.race([sleep(config.durationSeconds * 1000), done]);
    const measuredMs = Number(process.hrtime.bigint() - start) / 1e6;
    // Nothing after this instant counts, even responses still in flight.
    start = null;
    emit({ event: 'measured' });
    instance.stop();
    await done;
    return {
      event: 'result',
      measuredMs,
      responses: overall.totalCount,
      connectionErrors: counts.connectionErrors,
      timeouts: counts.timeouts,
      non2xx: counts.non2xx,
      histogram: encodeHistogram(overall),
      perSecond: perSecondSeries(perSecond, config.mergeableHistograms ?? false),
    };
  } finally {
    process.off('SIGTERM', stop);
    instance.stop();
  }
}

if (isMainModule(import.meta.url)) runLoadAgentProcess('load-agent', runLoad);
