/**
 * Open-loop load: the open-loop agent process (a fixed arrival schedule, latency from each
 * request's due time), started per trial and spoken to over the same JSON-line protocol as
 * the closed-loop agent; several of them, sharing the rate, when the level asks for more than
 * one process.
 */
import { agentCommand } from '../agents/agent-entry.js';
import type { OpenLoopAgentConfig, OpenLoopAgentResult } from '../agents/open-loop-agent.js';
import { startAgentProcess, type AgentRun } from './agent-process.js';
import type { ArrivalProcess } from './arrival-schedule.js';
import type { LoadGenerator, LoadLevel } from './load-generator.js';
import { mergeOpenLoopResults } from './merge-results.js';
import { splitOpenLevel, startProcesses } from './multi-process.js';

/**
 * A load level given as a rate. `connections` is not used: the pool grows from nothing to
 * what the rate needs (the warm-up opens it), up to `maxConnections`.
 */
export interface OpenLoadLevel extends LoadLevel {
  ratePerSecond: number;
  arrival: ArrivalProcess;
  maxConnections: number;
  /** Seeds the Poisson schedule; default 0. */
  seed?: number;
  /** See OpenLoopAgentConfig.lateSendThresholdMs. */
  lateSendThresholdMs?: number;
  /** See OpenLoopAgentConfig.scheduleOffsetMs (set per process by splitOpenLevel). */
  scheduleOffsetMs?: number;
}

export type OpenLoadRun = AgentRun<OpenLoopAgentResult>;

export interface OpenLoopGenerator extends LoadGenerator {
  start(targetUrl: string, level: OpenLoadLevel, env: Record<string, string>): OpenLoadRun;
}

export function isOpenLoadLevel(level: LoadLevel): level is OpenLoadLevel {
  const open = level as Partial<OpenLoadLevel>;
  return typeof open.ratePerSecond === 'number' && typeof open.arrival === 'string' && typeof open.maxConnections === 'number';
}

export const openLoopGenerator: OpenLoopGenerator = {
  name: 'meshbench-open-loop',
  start(targetUrl: string, level: OpenLoadLevel, env: Record<string, string>): OpenLoadRun {
    // The runner holds levels as LoadLevel; a closed-loop level here is a planning bug.
    if (!isOpenLoadLevel(level)) throw new TypeError('openLoopGenerator needs a load level with ratePerSecond, arrival and maxConnections');
    return startProcesses(
      splitOpenLevel(level),
      (part, { mergeable, label }) => {
        const config: OpenLoopAgentConfig = {
          url: targetUrl,
          ratePerSecond: part.ratePerSecond,
          arrival: part.arrival,
          seed: part.seed ?? 0,
          maxConnections: part.maxConnections,
          durationSeconds: part.durationSeconds,
          warmupSeconds: part.warmupSeconds,
          requestTimeoutSeconds: part.requestTimeoutSeconds,
          lateSendThresholdMs: part.lateSendThresholdMs,
          scheduleOffsetMs: part.scheduleOffsetMs,
          waitForGo: true,
          ...(mergeable ? { mergeableHistograms: true } : {}),
        };
        return startAgentProcess<OpenLoopAgentResult>(agentCommand('open-loop-agent'), config, env, label);
      },
      // The parts' rates (R / N each) need not add up to R to the last bit, and reports key
      // cells by the requested rate: record the rate that was asked for.
      (results) => ({ ...mergeOpenLoopResults(results), requestedRps: level.ratePerSecond }),
      'open-loop agent',
    );
  },
};
