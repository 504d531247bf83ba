/**
 * Several load-driver processes per trial, for real on loopback: a whole closed-loop trial
 * with two autocannon agents against the sample service, and two open-loop agents sharing one
 * rate. The assertions are about bookkeeping (counts add up, each process is measured, the
 * schedule is kept), never about speed: this box has 2 shared cores.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LoadAgentResult } from '../../src/agents/load-agent.js';
import { startSampleService } from '../../src/agents/sample-service.js';
import { decodeHistogram } from '../../src/analysis/histograms.js';
import { findProcessesByRunId } from '../../src/backends/local/supervisor.js';
import { arrivalTimesMs } from '../../src/load/arrival-schedule.js';
import type { LoadRun } from '../../src/load/load-generator.js';
import { openLoopGenerator, type OpenLoadLevel } from '../../src/load/open-loop.js';
import { readRunFolder } from '../../src/results/reader.js';
import type { TrialRecord } from '../../src/results/schema.js';
import { runScenario, type RunOutcome } from '../../src/runner/run-scenario.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { tempDir } from '../helpers/scenario-file.js';

/** What each closed-loop merge was given: the per-process results behind a trial. */
const mergedInputs = vi.hoisted(() => [] as LoadAgentResult[][]);
vi.mock('../../src/load/merge-results.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/load/merge-results.js')>();
  return {
    ...original,
    mergeClosedLoopResults: (results: readonly LoadAgentResult[]) => {
      mergedInputs.push([...results]);
      return original.mergeClosedLoopResults(results);
    },
  };
});

const host = '127.0.0.1';

describe('a closed-loop trial driven by two processes', () => {
  const scenario = parseScenarioText(`
name: two-drivers
topology:
  services:
    - { name: echo, responseBytes: 128 }
variants:
  - { name: baseline }
load: { connections: [5], durationSeconds: 2, warmupSeconds: 0.5, processes: 2 }
repetitions: 1
quiescence: { maxWaitSeconds: 1 }
`);
  let outcome: RunOutcome;
  let trial: TrialRecord;

  beforeAll(async () => {
    outcome = await runScenario({ scenario, scenarioFile: 'inline', reportsDir: tempDir(), seed: 1, signal: new AbortController().signal });
    trial = (await readRunFolder(outcome.runDir)).trials[0];
  }, 120_000);

  afterAll(async () => {
    expect(await findProcessesByRunId(outcome.runId)).toEqual([]);
  });

  it('records the sum of both processes\' responses, one histogram holding them all', () => {
    expect(mergedInputs).toHaveLength(1);
    const [perProcess] = mergedInputs;
    expect(perProcess).toHaveLength(2);
    for (const r of perProcess) expect(r.responses).toBeGreaterThan(0);
    const sum = perProcess[0].responses + perProcess[1].responses;
    expect(trial.requestsTotal).toBe(sum);
    expect(decodeHistogram(trial.histogram.data).totalCount).toBe(sum);
    expect(trial.perSecond.reduce((total, s) => total + s.requests, 0)).toBe(sum);
    expect(trial.errors).toEqual({ connectionErrors: 0, timeouts: 0, non2xx: 0 });
    // The agents' per-second histograms were only for the merge.
    expect(trial.perSecond.every((s) => !('histogram' in s))).toBe(true);
  });

  it('measures each driver process as its own loadgen component, and says how many ran', () => {
    const loadgens = trial.processes.filter((p) => p.role === 'loadgen');
    expect(loadgens.map((p) => p.name)).toEqual(['loadgen/load-agent', 'loadgen/load-agent-2']);
    for (const p of loadgens) expect(p.cpuSeconds).toBeGreaterThan(0);
    expect(new Set(loadgens.flatMap((p) => p.pids)).size).toBe(loadgens.flatMap((p) => p.pids).length);
    expect(trial.loadProcesses).toBe(2);
    expect(trial.connections).toBe(5);
  });
});

describe('open loop, 400 req/s shared by two processes', () => {
  let server: http.Server;
  let target: string;
  const runs: LoadRun[] = [];

  beforeAll(async () => {
    server = await startSampleService({ name: 'echo', host, port: 0, responseBytes: 128, cpuWorkUs: 0, delayMs: 0, calls: [] });
    target = `http://${host}:${(server.address() as AddressInfo).port}/`;
  });

  afterEach(async () => {
    for (const run of runs.splice(0)) await run.stop();
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const level = (arrival: OpenLoadLevel['arrival']): OpenLoadLevel => ({
    connections: 1,
    durationSeconds: 2,
    warmupSeconds: 0.5,
    requestTimeoutSeconds: 10,
    ratePerSecond: 400,
    arrival,
    seed: 11,
    maxConnections: 64,
    processes: 2,
  });

  async function measure(l: OpenLoadLevel) {
    const run = openLoopGenerator.start(target, l, {});
    runs.push(run);
    await run.warmedUp;
    run.measure();
    return { pids: run.pids, result: await run.result };
  }

  it('constant: the interleaved schedules add up to the whole one, at the requested rate', async () => {
    const { pids, result } = await measure(level('constant'));
    expect(pids).toHaveLength(2);
    expect(result.requestedRps).toBe(400);
    expect(result.maxConnections).toBe(64);
    expect(result.scheduledRequests).toBe(800);
    expect(result.sentRequests).toBe(800);
    expect(result.responses).toBe(800);
    expect(result.connectionErrors + result.timeouts + result.non2xx + result.droppedRequests).toBe(0);
    expect(Math.abs(result.achievedRps - 400) / 400).toBeLessThan(0.05);
    // The record's own rate (all responses over the longest process's window) agrees.
    expect(Math.abs(result.responses / (result.measuredMs / 1000) - 400) / 400).toBeLessThan(0.05);
    expect(result.sentPer100Ms.reduce((sum, n) => sum + n, 0)).toBe(800);
    expect(decodeHistogram(result.histogram).totalCount).toBe(800);
    expect(result.sendLatenessUs.p50).toBeLessThanOrEqual(result.sendLatenessUs.p99);
    expect(result.sendLatenessUs.p99).toBeLessThanOrEqual(result.sendLatenessUs.max);
  });

  it('poisson: each process follows its own seed (seed, seed + 1), not the same arrivals', async () => {
    const { result } = await measure(level('poisson'));
    const count = (seed: number) => [...arrivalTimesMs({ ratePerSecond: 200, durationSeconds: 2, process: 'poisson', seed })].length;
    expect(result.seed).toBe(11);
    expect(result.scheduledRequests).toBe(count(11) + count(12));
    expect(result.responses).toBe(result.scheduledRequests);
  });
});
