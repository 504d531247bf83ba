/**
 * The closed-loop load agent: autocannon against one URL, every response's latency recorded
 * in microseconds into our own HDR histogram (autocannon's own figures are whole
 * milliseconds), plus one small histogram per second so latency spikes can be lined up with
 * node samples. Runs as its own process so its CPU can be measured apart from everything
 * else, the same way it runs in a pod.
 *
 * Protocol (JSON lines on stdout): `{"event":"warmed-up"}` after the warm-up; then it waits
 * for a line `go` on stdin, so the parent can open its measurement window at that moment;
 * `{"event":"measured"}` as soon as the measured window ends; then `{"event":"result",...}`.
 */
import autocannon from 'autocannon';
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

function runAutocannon(config: LoadAgentConfig, seconds: number, onResponse?: (latencyMs: number) => void): Promise<autocannon.Result> {
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: config.url,
        connections: config.connections,
        // autocannon checks its duration and stop() only on its sample tick (1 s by default),
        // so 0.5 s would run for 1 s: tick every 100 ms, give it a whole-second ceiling and
        // stop it ourselves at the exact time.
        duration: Math.ceil(seconds) + 1,
        sampleInt: 100,
        timeout: config.requestTimeoutSeconds,
        // One thread: workers would drop the per-response events we record.
        workers: 0,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
  if (onResponse) instance.on('response', (_client, _status, _bytes, responseTimeMs: number) => onResponse(responseTimeMs));
  const stop = () => instance.stop();
  const timer = setTimeout(stop, seconds * 1000);
  process.once('SIGTERM', stop);
  return done.finally(() => {
    clearTimeout(timer);
    process.off('SIGTERM', stop);
  });
}

export async function runLoad(config: LoadAgentConfig, signalReady: () => Promise<void>, emit: (line: object) => void): Promise<LoadAgentResult> {
  if (config.warmupSeconds > 0) await runAutocannon(config, config.warmupSeconds);
  emit({ event: 'warmed-up' });
  await signalReady();

  const overall = createHistogramUs();
  const perSecond: Histogram[] = [];
  const start = process.hrtime.bigint();
  const result = await runAutocannon(config, config.durationSeconds, (latencyMs) => {
    const us = Math.max(1, Math.round(latencyMs * 1000));
    overall.recordValue(us);
    const second = Number((process.hrtime.bigint() - start) / 1_000_000_000n);
    (perSecond[second] ??= createHistogramUs()).recordValue(us);
  });
  const measuredMs = Number(process.hrtime.bigint() - start) / 1e6;
  emit({ event: 'measured' });

  return {
    event: 'result',
    measuredMs,
    responses: overall.totalCount,
    connectionErrors: result.errors - result.timeouts,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    histogram: encodeHistogram(overall),
    perSecond: perSecondSeries(perSecond, config.mergeableHistograms ?? false),
  };
}

if (isMainModule(import.meta.url)) runLoadAgentProcess('load-agent', runLoad);
