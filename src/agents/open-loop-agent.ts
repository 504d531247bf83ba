/**
 * The open-loop load agent: requests go out on a fixed arrival schedule (constant or
 * Poisson) whether or not earlier ones have been answered, and each latency is measured from
 * the request's due time, not from when it was sent. A stalled server therefore shows up in
 * the latencies of everything that was due during the stall (no coordinated omission), and
 * the driver's own lateness is reported beside it so the instrument's error is visible.
 *
 * Connections: one keep-alive node:http Agent. The pool grows whenever a request is due and
 * every connection is busy, up to `maxConnections`; past that, due requests wait in a queue
 * (their latency still counts from the due time) and, past `maxQueuedRequests`, are dropped
 * and counted.
 *
 * Timing: Node's timers have 1 ms granularity and fire up to ~1 ms late, so the loop sleeps
 * with setTimeout until shortly before the next due time and, at rates where that is cheap,
 * spins the last fraction of a millisecond with setImmediate (which still serves I/O). At
 * higher rates it sends, on each ~1 ms wake-up, everything that has come due.
 *
 * Protocol (JSON lines on stdout), the same as the closed-loop agent: `{"event":"warmed-up"}`
 * after the warm-up; then it waits for a line `go` on stdin; `{"event":"measured"}` as soon as
 * the measured window ends; then `{"event":"result",...}`.
 */
import http from 'node:http';
import https from 'node:https';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Histogram } from 'hdr-histogram-js';
import { createHistogramUs, encodeHistogram } from '../analysis/histograms.js';
import { arrivalTimesMs, type ArrivalProcess } from '../load/arrival-schedule.js';
import type { LoadAgentResult } from './load-agent.js';
import { isMainModule } from './main-module.js';
import { runLoadAgentProcess } from './load-agent-main.js';
import { perSecondSeries } from './per-second.js';

export interface OpenLoopAgentConfig {
  url: string;
  ratePerSecond: number;
  arrival: ArrivalProcess;
  /** Seeds the Poisson schedule (the warm-up uses seed + 1, so it is not a replay of the window). */
  seed: number;
  maxConnections: number;
  durationSeconds: number;
  warmupSeconds: number;
  requestTimeoutSeconds: number;
  /** Wait for `go` on stdin before measuring (false when run by hand). */
  waitForGo: boolean;
  /**
   * A send later than this counts as a schedule miss. Default 2 ms: the timer itself is often
   * up to ~1 ms late, which is the instrument's resolution, not a schedule that could not be kept.
   */
  lateSendThresholdMs?: number;
  /** Due requests waiting for a free connection beyond this many are dropped. Default: rate × timeout, at least 1,000. */
  maxQueuedRequests?: number;
  /**
   * Constant arrivals: the schedule (warm-up and window) starts this many ms later. One of
   * several processes sharing a rate sets it so their merged arrivals stay evenly spaced.
   */
  scheduleOffsetMs?: number;
  /** Also report the histograms (per second, send lateness) that let this result be merged exactly with other processes'. */
  mergeableHistograms?: boolean;
}

export interface SendLatenessUs {
  p50: number;
  p99: number;
  max: number;
}

export interface OpenLoopAgentResult extends LoadAgentResult {
  arrival: ArrivalProcess;
  seed: number;
  requestedRps: number;
  /** Responses (any status) per second of the measured window, as the trial record computes it. */
  achievedRps: number;
  /** Requests the schedule put in the measured window. */
  scheduledRequests: number;
  sentRequests: number;
  /** How late sends went out against their due time. */
  sendLatenessUs: SendLatenessUs;
  /** The send lateness as a µs histogram (hdr compressed base64), only when asked for mergeable histograms. */
  sendLatenessHistogram?: string;
  /** Sends later than `lateSendThresholdMs`. */
  lateSends: number;
  /** Due requests dropped because every connection was busy and the queue was full. */
  droppedRequests: number;
  /** lateSends + droppedRequests: requests for which the schedule was not kept. */
  scheduleMissed: number;
  lateSendThresholdMs: number;
  maxConnections: number;
  /** Most requests in flight at once during the window (the pool only grows when all are busy). */
  maxConnectionsUsed: number;
  /** Event-loop delay beyond the monitor's own interval; high values mean the driver, not the target, was the limit. */
  eventLoopDelayP99Ms: number;
  /** This process's CPU over the measured window. */
  cpuUserMs: number;
  cpuSystemMs: number;
  /** (user + system) / wall time, in % of one core. */
  cpuPct: number;
  /** Requests sent in each 100 ms of the window (by actual send time): evenness of the schedule. */
  sentPer100Ms: number[];
  /** Responses completed in each 100 ms of the window. */
  completedPer100Ms: number[];
}

/** Below this mean interval the spin would never stop, so the loop relies on the ~1 ms timer alone. */
const minIntervalForSpinMs = 0.5;
/** How close to the due time the loop stops sleeping and spins. */
const spinWindowMs = 0.3;
const eventLoopMonitorResolutionMs = 10;

/** What one phase (warm-up or measured window) recorded. */
class PhaseRecorder {
  readonly latencyUs = createHistogramUs();
  readonly latenessUs = createHistogramUs();
  readonly perSecond: Histogram[] = [];
  readonly sentPer100Ms: number[] = [];
  readonly completedPer100Ms: number[] = [];
  scheduled = 0;
  sent = 0;
  responses = 0;
  non2xx = 0;
  connectionErrors = 0;
  timeouts = 0;
  dropped = 0;
  lateSends = 0;
  maxInFlight = 0;

  constructor(
    readonly startMs: number,
    private readonly lateSendThresholdUs: number,
  ) {}

  recordSend(nowMs: number, dueMs: number, inFlight: number): void {
    this.sent++;
    const latenessUs = Math.max(0, Math.round((nowMs - dueMs) * 1000));
    this.latenessUs.recordValue(latenessUs);
    if (latenessUs > this.lateSendThresholdUs) this.lateSends++;
    increment(this.sentPer100Ms, Math.floor((nowMs - this.startMs) / 100));
    if (inFlight > this.maxInFlight) this.maxInFlight = inFlight;
  }

  recordResponse(nowMs: number, dueMs: number, statusCode: number): void {
    this.responses++;
    if (statusCode < 200 || statusCode >= 300) this.non2xx++;
    const latencyUs = Math.max(1, Math.round((nowMs - dueMs) * 1000));
    this.latencyUs.recordValue(latencyUs);
    const sinceStartMs = nowMs - this.startMs;
    (this.perSecond[Math.floor(sinceStartMs / 1000)] ??= createHistogramUs()).recordValue(latencyUs);
    increment(this.completedPer100Ms, Math.floor(sinceStartMs / 100));
  }
}

function increment(counts: number[], index: number): void {
  // Fill gaps with 0 so a silent 100 ms (a stall) is a 0, not a hole.
  while (counts.length <= index) counts.push(0);
  counts[index]++;
}

interface DueRequest {
  dueMs: number;
  phase: PhaseRecorder;
}

/** The keep-alive pool and the queue of due requests waiting for a connection. */
class OpenLoopClient {
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly requestOptions: http.RequestOptions;
  private readonly timeoutMs: number;
  private readonly maxConnections: number;
  private readonly maxQueued: number;
  private inFlight = 0;
  private queue: DueRequest[] = [];
  private queueHead = 0;
  private onIdle: (() => void) | undefined;

  constructor(config: OpenLoopAgentConfig) {
    const url = new URL(config.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RangeError(`open-loop agent: unsupported protocol in ${config.url}`);
    const secure = url.protocol === 'https:';
    this.maxConnections = config.maxConnections;
    const agentOptions: http.AgentOptions = {
      keepAlive: true,
      // The queue above the agent decides when to wait; the agent's own cap is only a backstop.
      maxSockets: config.maxConnections,
      maxFreeSockets: config.maxConnections,
      // Reuse the most recently used socket, so the pool stays as small as the rate needs.
      scheduling: 'lifo',
    };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.request = secure ? https.request : http.request;
    this.requestOptions = {
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      agent: this.agent,
    };
    this.timeoutMs = config.requestTimeoutSeconds * 1000;
    this.maxQueued = config.maxQueuedRequests ?? Math.max(1000, Math.ceil(config.ratePerSecond * config.requestTimeoutSeconds));
  }

  /** A request has come due: send it now, queue it for the next free connection, or drop it. */
  dispatch(due: DueRequest): void {
    due.phase.scheduled++;
    if (this.inFlight < this.maxConnections) this.send(due);
    else if (this.queue.length - this.queueHead < this.maxQueued) this.queue.push(due);
    else due.phase.dropped++;
  }

  /** Calls `callback` once nothing is in flight or queued (at once if that is already so). */
  whenIdle(callback: () => void): void {
    this.onIdle = callback;
    this.checkIdle();
  }

  close(): void {
    this.agent.destroy();
  }

  private send(due: DueRequest): void {
    const { phase, dueMs } = due;
    this.inFlight++;
    phase.recordSend(performance.now(), dueMs, this.inFlight);
    let settled = false;
    let timedOut = false;
    const finish = (outcome: { statusCode: number } | 'error') => {
      if (settled) return;
      settled = true;
      if (outcome === 'error') {
        if (timedOut) phase.timeouts++;
        else phase.connectionErrors++;
      } else {
        phase.recordResponse(performance.now(), dueMs, outcome.statusCode);
      }
      this.inFlight--;
      this.sendNextQueued();
    };
    const req = this.request(this.requestOptions, (res) => {
      res.on('end', () => finish({ statusCode: res.statusCode ?? 0 }));
      res.on('error', () => finish('error'));
      // A body cut short (the server closed mid-response) ends in 'close' without 'end'.
      res.on('close', () => res.complete || finish('error'));
      res.resume();
    });
    req.setTimeout(this.timeoutMs, () => {
      timedOut = true;
      req.destroy(new Error('request timed out'));
    });
    req.on('error', () => finish('error'));
    req.end();
  }

  private sendNextQueued(): void {
    if (this.queueHead < this.queue.length && this.inFlight < this.maxConnections) {
      const next = this.queue[this.queueHead++];
      // Drop the consumed head now and then instead of shifting on every request.
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      this.send(next);
      return;
    }
    this.checkIdle();
  }

  private checkIdle(): void {
    if (this.onIdle && this.inFlight === 0 && this.queueHead >= this.queue.length) {
      const callback = this.onIdle;
      this.onIdle = undefined;
      callback();
    }
  }
}

/**
 * Runs one phase: dispatches every request of `dueTimesMs` (ms after `phase.startMs`) at its
 * due time, then resolves once all of them have been answered, failed or dropped.
 */
function runSchedule(client: OpenLoopClient, dueTimesMs: Iterator<number, void>, phase: PhaseRecorder, ratePerSecond: number): Promise<void> {
  const spin = 1000 / ratePerSecond >= minIntervalForSpinMs;
  return new Promise((resolve) => {
    let next = dueTimesMs.next();
    const tick = () => {
      const nowMs = performance.now();
      while (!next.done && phase.startMs + next.value <= nowMs) {
        client.dispatch({ dueMs: phase.startMs + next.value, phase });
        next = dueTimesMs.next();
      }
      if (next.done) {
        client.whenIdle(resolve);
        return;
      }
      const waitMs = phase.startMs + next.value - performance.now();
      if (spin && waitMs < spinWindowMs) setImmediate(tick);
      // Timers fire late rather than early, so aim a little short and spin (or batch) the rest.
      else setTimeout(tick, Math.max(1, Math.round(waitMs - spinWindowMs)));
    };
    tick();
  });
}

function validate(config: OpenLoopAgentConfig): void {
  const positive = (name: keyof OpenLoopAgentConfig) => {
    const value = config[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`open-loop agent: ${name} must be a positive number, got ${String(value)}`);
  };
  positive('ratePerSecond');
  positive('durationSeconds');
  positive('requestTimeoutSeconds');
  positive('maxConnections');
  if (!Number.isInteger(config.maxConnections)) throw new RangeError(`open-loop agent: maxConnections must be an integer, got ${config.maxConnections}`);
  if (!(config.warmupSeconds >= 0)) throw new RangeError(`open-loop agent: warmupSeconds must be >= 0, got ${config.warmupSeconds}`);
  if (config.scheduleOffsetMs !== undefined && !(config.scheduleOffsetMs >= 0)) throw new RangeError(`open-loop agent: scheduleOffsetMs must be >= 0, got ${config.scheduleOffsetMs}`);
}

export async function runOpenLoop(config: OpenLoopAgentConfig, signalReady: () => Promise<void>, emit: (line: object) => void): Promise<OpenLoopAgentResult> {
  validate(config);
  const lateSendThresholdMs = config.lateSendThresholdMs ?? 2;
  const lateSendThresholdUs = lateSendThresholdMs * 1000;
  const schedule = (seconds: number, seed: number) =>
    arrivalTimesMs({ ratePerSecond: config.ratePerSecond, durationSeconds: seconds, process: config.arrival, seed, offsetMs: config.scheduleOffsetMs });
  const client = new OpenLoopClient(config);
  try {
    if (config.warmupSeconds > 0) {
      // The same schedule as the window, so the pool and the target settle at this rate.
      await runSchedule(client, schedule(config.warmupSeconds, config.seed + 1), new PhaseRecorder(performance.now(), lateSendThresholdUs), config.ratePerSecond);
    }
    emit({ event: 'warmed-up' });
    await signalReady();

    const eventLoopDelay = monitorEventLoopDelay({ resolution: eventLoopMonitorResolutionMs });
    eventLoopDelay.enable();
    const cpuBefore = process.cpuUsage();
    const phase = new PhaseRecorder(performance.now(), lateSendThresholdUs);
    await runSchedule(client, schedule(config.durationSeconds, config.seed), phase, config.ratePerSecond);
    const measuredMs = performance.now() - phase.startMs;
    const cpu = process.cpuUsage(cpuBefore);
    eventLoopDelay.disable();
    emit({ event: 'measured' });

    const round3 = (n: number) => Math.round(n * 1000) / 1000;
    return {
      event: 'result',
      measuredMs,
      responses: phase.responses,
      connectionErrors: phase.connectionErrors,
      timeouts: phase.timeouts,
      non2xx: phase.non2xx,
      histogram: encodeHistogram(phase.latencyUs),
      perSecond: perSecondSeries(phase.perSecond, config.mergeableHistograms ?? false),
      arrival: config.arrival,
      seed: config.seed,
      requestedRps: config.ratePerSecond,
      achievedRps: measuredMs > 0 ? phase.responses / (measuredMs / 1000) : 0,
      scheduledRequests: phase.scheduled,
      sentRequests: phase.sent,
      sendLatenessUs: {
        p50: phase.latenessUs.getValueAtPercentile(50),
        p99: phase.latenessUs.getValueAtPercentile(99),
        max: phase.latenessUs.maxValue,
      },
      ...(config.mergeableHistograms ? { sendLatenessHistogram: encodeHistogram(phase.latenessUs) } : {}),
      lateSends: phase.lateSends,
      droppedRequests: phase.dropped,
      scheduleMissed: phase.lateSends + phase.dropped,
      lateSendThresholdMs,
      maxConnections: config.maxConnections,
      maxConnectionsUsed: phase.maxInFlight,
      // The monitor records whole intervals between its timer's wake-ups; the delay is what exceeds the interval.
      eventLoopDelayP99Ms: round3(Math.max(0, eventLoopDelay.percentile(99) / 1e6 - eventLoopMonitorResolutionMs)),
      cpuUserMs: round3(cpu.user / 1000),
      cpuSystemMs: round3(cpu.system / 1000),
      cpuPct: measuredMs > 0 ? round3(((cpu.user + cpu.system) / 1000 / measuredMs) * 100) : 0,
      sentPer100Ms: phase.sentPer100Ms,
      completedPer100Ms: phase.completedPer100Ms,
    };
  } finally {
    client.close();
  }
}

if (isMainModule(import.meta.url)) runLoadAgentProcess('open-loop-agent', runOpenLoop);
