import { describe, expect, it } from 'vitest';
import type { LoadAgentResult } from '../../src/agents/load-agent.js';
import type { AgentRun } from '../../src/load/agent-process.js';
import { combineRuns, splitClosedLevel, splitEvenly, splitOpenLevel, startProcesses } from '../../src/load/multi-process.js';
import type { OpenLoadLevel } from '../../src/load/open-loop.js';

const window = { durationSeconds: 2, warmupSeconds: 0.5, requestTimeoutSeconds: 10 };

describe('splitting a load level', () => {
  it('splits whole units as evenly as possible, the larger shares first', () => {
    expect(splitEvenly(10, 3)).toEqual([4, 3, 3]);
    expect(splitEvenly(9, 3)).toEqual([3, 3, 3]);
    expect(splitEvenly(5, 1)).toEqual([5]);
    expect(() => splitEvenly(5, 0)).toThrow(RangeError);
  });

  it('closed loop: connections split across processes, each a single-process level', () => {
    expect(splitClosedLevel({ connections: 16, processes: 3, ...window })).toEqual([
      { connections: 6, processes: 1, ...window },
      { connections: 5, processes: 1, ...window },
      { connections: 5, processes: 1, ...window },
    ]);
    expect(splitClosedLevel({ connections: 4, ...window })).toEqual([{ connections: 4, processes: 1, ...window }]);
    expect(() => splitClosedLevel({ connections: 2, processes: 3, ...window })).toThrow(/2 connections cannot be split across 3/);
  });

  it('open loop: rate and pool split, seeds seed + k, constant schedules offset by k / rate', () => {
    const level: OpenLoadLevel = { connections: 256, ratePerSecond: 400, arrival: 'constant', maxConnections: 255, seed: 42, processes: 2, ...window };
    const parts = splitOpenLevel(level);
    expect(parts.map((p) => [p.ratePerSecond, p.maxConnections, p.seed, p.scheduleOffsetMs, p.processes])).toEqual([
      [200, 128, 42, 0, 1],
      [200, 127, 43, 2.5, 1],
    ]);
    // Poisson arrivals are memoryless: independent seeds suffice, no offset.
    expect(splitOpenLevel({ ...level, arrival: 'poisson' }).map((p) => [p.seed, p.scheduleOffsetMs])).toEqual([
      [42, undefined],
      [43, undefined],
    ]);
    // One process: the level as it was.
    expect(splitOpenLevel({ ...level, processes: 1 })).toEqual([{ ...level, processes: 1 }]);
    expect(() => splitOpenLevel({ ...level, maxConnections: 1 })).toThrow(/maxConnections 1 cannot be split across 2/);
  });
});

/** A stand-in agent run whose milestones the test settles by hand. */
function fakeRun(pid: number, responses: number) {
  const settle = {} as { warmedUp: () => void; measured: () => void; result: () => void; fail: (e: Error) => void };
  const log: string[] = [];
  const warmedUp = new Promise<void>((resolve, reject) => {
    settle.warmedUp = resolve;
    settle.fail = reject;
  });
  const measured = new Promise<void>((resolve) => (settle.measured = resolve));
  const result = new Promise<LoadAgentResult>((resolve) => {
    settle.result = () => resolve({ event: 'result', measuredMs: 1000, responses, connectionErrors: 0, timeouts: 0, non2xx: 0, histogram: '', perSecond: [] });
  });
  for (const p of [warmedUp, measured, result]) p.catch(() => undefined);
  const run: AgentRun<LoadAgentResult> = {
    pids: [pid],
    warmedUp,
    measured,
    result,
    measure: () => log.push('go'),
    stop: async () => void log.push('stop'),
  };
  return { run, settle, log };
}

const sumResponses = (results: readonly LoadAgentResult[]): LoadAgentResult => ({ ...results[0], responses: results.reduce((s, r) => s + r.responses, 0) });
const pending = Symbol('pending');
const state = (p: Promise<unknown>) => Promise.race([p.then(() => 'settled'), new Promise((resolve) => setTimeout(() => resolve(pending), 10))]);

describe('combining agent runs', () => {
  it('is warmed up and measured when every process is, sends go to all, merges the results and stops all', async () => {
    const a = fakeRun(101, 5);
    const b = fakeRun(102, 7);
    const combined = combineRuns([a.run, b.run], sumResponses);
    expect(combined.pids).toEqual([101, 102]);

    a.settle.warmedUp();
    expect(await state(combined.warmedUp)).toBe(pending);
    b.settle.warmedUp();
    expect(await state(combined.warmedUp)).toBe('settled');

    combined.measure();
    expect([a.log, b.log]).toEqual([['go'], ['go']]);
    b.settle.measured();
    expect(await state(combined.measured)).toBe(pending);
    a.settle.measured();
    expect(await state(combined.measured)).toBe('settled');

    a.settle.result();
    b.settle.result();
    expect((await combined.result).responses).toBe(12);
    await combined.stop();
    expect([a.log, b.log]).toEqual([['go', 'stop'], ['go', 'stop']]);
  });

  it('fails as soon as one process fails', async () => {
    const a = fakeRun(101, 5);
    const b = fakeRun(102, 7);
    const combined = combineRuns([a.run, b.run], sumResponses);
    a.settle.warmedUp();
    b.settle.fail(new Error('load agent 2 of 2 exited (code 1) before finishing'));
    await expect(combined.warmedUp).rejects.toThrow(/2 of 2 exited/);
  });

  it('starts one process as it is, several with mergeable results and numbered labels', () => {
    const started: { part: number; mergeable: boolean; label: string }[] = [];
    const start = (parts: number[]) =>
      startProcesses(parts, (part, options) => (started.push({ part, ...options }), fakeRun(part, 0).run), sumResponses, 'load agent');
    const single = fakeRun(1, 0).run;
    expect(startProcesses([1], () => single, sumResponses, 'load agent')).toBe(single);
    start([1]);
    start([1, 2]);
    expect(started).toEqual([
      { part: 1, mergeable: false, label: 'load agent' },
      { part: 1, mergeable: true, label: 'load agent 1 of 2' },
      { part: 2, mergeable: true, label: 'load agent 2 of 2' },
    ]);
  });
});
