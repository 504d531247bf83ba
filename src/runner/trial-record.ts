/**
 * Turns what one trial produced (the load agent's result, the /proc window, the probes)
 * into a TrialRecord. Pure, so the arithmetic (rates, error ratios, CPU per request) is
 * tested without running anything.
 */
import type { LoadAgentResult } from '../agents/load-agent.js';
import type { OpenLoopAgentResult } from '../agents/open-loop-agent.js';
import { decodeHistogram, percentilesMs } from '../analysis/histograms.js';
import { resultSchemaVersion, type NodeWindow, type ProcessFigures, type TrialRecord, type Verification } from '../results/schema.js';
import type { PlannedTrial } from '../scenario/plan.js';
import type { LoadLevel } from '../load/load-generator.js';
import { flagTrial } from '../analysis/flags.js';
import type { FlagLimits } from '../scenario/schema.js';

export interface TrialOutcome {
  runId: string;
  trial: PlannedTrial;
  level: LoadLevel;
  startedAt: Date;
  endedAt: Date;
  windowMs: number;
  load: LoadAgentResult;
  node: NodeWindow;
  processes: ProcessFigures[];
  quiescence: TrialRecord['quiescence'];
  verification: Verification;
  flagLimits: FlagLimits;
  /** The node in each 1 Hz sample of the window, for flags decided per second. */
  perSecondNode?: NodeWindow[];
  /** Counters the proxies keep themselves, over the window (Envoy), by component. */
  proxyStats?: Record<string, Record<string, number>>;
  cpuThrottling?: TrialRecord['cpuThrottling'];
}

function isOpenLoopResult(load: LoadAgentResult): load is OpenLoopAgentResult {
  return typeof (load as Partial<OpenLoopAgentResult>).requestedRps === 'number';
}

export function buildTrialRecord(o: TrialOutcome): TrialRecord {
  const responses = o.load.responses;
  const open = isOpenLoopResult(o.load) ? o.load : null;
  const latency =
    responses > 0
      ? percentilesMs(decodeHistogram(o.load.histogram))
      : { latencyP50Ms: 0, latencyP90Ms: 0, latencyP99Ms: 0, latencyP999Ms: 0, latencyMaxMs: 0, latencyMeanMs: 0 };
  const failed = o.load.connectionErrors + o.load.timeouts;
  const attempts = responses + failed;
  const proxies = o.processes.filter((p) => p.role === 'proxy');
  const proxyCpuSeconds = proxies.reduce((sum, p) => sum + p.cpuSeconds, 0);
  const errorRatePct = attempts > 0 ? ((failed + o.load.non2xx) / attempts) * 100 : 0;
  return {
    schemaVersion: resultSchemaVersion,
    kind: 'trial',
    runId: o.runId,
    trialId: o.trial.trialId,
    index: o.trial.index,
    tier: o.trial.tier,
    variant: o.trial.variant,
    repetition: o.trial.repetition,
    loadMode: open ? 'open' : 'closed',
    connections: open ? open.maxConnectionsUsed : o.trial.connections,
    requestedRps: open ? open.requestedRps : null,
    loadProcesses: o.level.processes ?? 1,
    openLoop: open
      ? {
          arrival: open.arrival,
          sendLatenessP50Us: open.sendLatenessUs.p50,
          sendLatenessP99Us: open.sendLatenessUs.p99,
          sendLatenessMaxUs: open.sendLatenessUs.max,
          lateSends: open.lateSends,
          droppedRequests: open.droppedRequests,
          scheduleMissed: open.scheduleMissed,
          maxConnections: open.maxConnections,
          eventLoopDelayP99Ms: open.eventLoopDelayP99Ms,
        }
      : null,
    capacityStep: null,
    durationSecondsRequested: o.level.durationSeconds,
    warmupSecondsRequested: o.level.warmupSeconds,
    startedAt: o.startedAt.toISOString(),
    endedAt: o.endedAt.toISOString(),
    windowMs: o.windowMs,
    requestsTotal: responses,
    // The agent timed its own measured window; the /proc window around it is a few ms wider.
    achievedRps: o.load.measuredMs > 0 ? responses / (o.load.measuredMs / 1000) : 0,
    latencyP50Ms: latency.latencyP50Ms,
    latencyP90Ms: latency.latencyP90Ms,
    latencyP99Ms: latency.latencyP99Ms,
    latencyP999Ms: latency.latencyP999Ms,
    latencyMaxMs: latency.latencyMaxMs,
    latencyMeanMs: latency.latencyMeanMs,
    histogram: { encoding: 'hdr-compressed-base64', unit: 'us', data: o.load.histogram },
    errors: { connectionErrors: o.load.connectionErrors, timeouts: o.load.timeouts, non2xx: o.load.non2xx },
    errorRatePct,
    node: o.node,
    processes: o.processes,
    proxyCpuMsPer1kRequests: proxies.length && responses > 0 ? (proxyCpuSeconds * 1000) / (responses / 1000) : null,
    proxyRssPeakBytes: proxies.length ? proxies.reduce((sum, p) => sum + p.rssPeakBytes, 0) : null,
    quiescence: o.quiescence,
    verification: o.verification,
    // Per-second histograms (asked for when several processes are merged) are not part of the record.
    perSecond: o.load.perSecond.map(({ second, requests, latencyP50Ms, latencyP99Ms, latencyMaxMs }) => ({ second, requests, latencyP50Ms, latencyP99Ms, latencyMaxMs })),
    flags: flagTrial({ node: o.node, processes: o.processes, errorRatePct, openLoop: open, perSecondNode: o.perSecondNode, perSecondLatency: o.load.perSecond, windowMs: o.windowMs }, o.flagLimits),
    proxyStats: o.proxyStats ?? {},
    cpuThrottling: o.cpuThrottling ?? null,
  };
}
