/**
 * Open-loop load: the open-loop agent process (a fixed arrival schedule, latency from each
 * request's due time), started per trial and spoken to over the same JSON-line protocol as
 * the closed-loop agent.
 */
import { agentCommand } from '../agents/agent-entry.js';
import type { OpenLoopAgentConfig, OpenLoopAgentResult } from '../agents/open-loop-agent.js';
import { startAgentProcess, type AgentRun } from './agent-process.js';
import type { ArrivalProcess } from './arrival-schedule.js';
import type { LoadGenerator, LoadLevel } from './load-generator.js';

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
    const config: OpenLoopAgentConfig = {
      url: targetUrl,
      ratePerSecond: level.ratePerSecond,
      arrival: level.arrival,
      seed: level.seed ?? 0,
      maxConnections: level.maxConnections,
      durationSeconds: level.durationSeconds,
      warmupSeconds: level.warmupSeconds,
      requestTimeoutSeconds: level.requestTimeoutSeconds,
      lateSendThresholdMs: level.lateSendThresholdMs,
      waitForGo: true,
    };
    return startAgentProcess<OpenLoopAgentResult>(agentCommand('open-loop-agent'), config, env, 'open-loop agent');
  },
};
