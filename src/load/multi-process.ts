/**
 * One trial's load from several agent processes. One Node process of autocannon reaches only
 * about half of wrk's rate, so a scenario can ask for several (`load.processes`): the level is
 * split across them as evenly as possible, and their runs are combined into one LoadRun that
 * is warmed up when all are, measures when told (a `go` to each), is measured when all are,
 * and has one merged result (merge-results.ts). A single process runs exactly as before.
 */
import type { LoadAgentResult } from '../agents/load-agent.js';
import type { AgentRun } from './agent-process.js';
import type { LoadLevel } from './load-generator.js';
import type { OpenLoadLevel } from './open-loop.js';

/** `total` whole units in `parts` shares that differ by at most one, the larger ones first: 10 in 3 → 4, 3, 3. */
export function splitEvenly(total: number, parts: number): number[] {
  if (!Number.isInteger(total) || total < 0) throw new RangeError(`can only split a whole number >= 0, got ${total}`);
  if (!Number.isInteger(parts) || parts < 1) throw new RangeError(`can only split into a whole number of parts >= 1, got ${parts}`);
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
}

/** How many processes a level asks for (default 1). */
export function processCount(level: Pick<LoadLevel, 'processes'>): number {
  const n = level.processes ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`load processes must be a whole number >= 1, got ${n}`);
  return n;
}

/** Closed loop: each process gets its share of the connections, and needs at least one. */
export function splitClosedLevel(level: LoadLevel): LoadLevel[] {
  const n = processCount(level);
  if (level.connections < n) throw new RangeError(`${level.connections} connections cannot be split across ${n} load processes: each needs at least one`);
  return splitEvenly(level.connections, n).map((connections) => ({ ...level, connections, processes: 1 }));
}

/**
 * Open loop: each process sends rate / N and may open its share of maxConnections. Poisson
 * schedules get seeds seed + k, so the processes' arrivals are independent (their sum is again
 * Poisson at the whole rate) instead of in lockstep. Constant schedules are offset by k / rate,
 * so the merged arrivals are the evenly spaced schedule of the whole rate (to within how far
 * apart the processes receive `go`, typically well under a millisecond).
 */
export function splitOpenLevel(level: OpenLoadLevel): OpenLoadLevel[] {
  const n = processCount(level);
  if (level.maxConnections < n) throw new RangeError(`maxConnections ${level.maxConnections} cannot be split across ${n} load processes: each needs at least one`);
  const seed = level.seed ?? 0;
  return splitEvenly(level.maxConnections, n).map((maxConnections, k) => ({
    ...level,
    processes: 1,
    ratePerSecond: level.ratePerSecond / n,
    maxConnections,
    seed: seed + k,
    ...(level.arrival === 'constant' && n > 1 ? { scheduleOffsetMs: (k * 1000) / level.ratePerSecond } : {}),
  }));
}

/**
 * Starts one agent per part and combines them. `startOne` is told whether its result will be
 * merged (then the agent must report its histograms, see LoadAgentConfig.mergeableHistograms)
 * and what to call the agent in errors. One part: that agent's run, untouched.
 */
export function startProcesses<Level, Result extends LoadAgentResult>(
  parts: readonly Level[],
  startOne: (part: Level, options: { mergeable: boolean; label: string }) => AgentRun<Result>,
  merge: (results: readonly Result[]) => Result,
  label: string,
): AgentRun<Result> {
  if (parts.length === 0) throw new RangeError('no load processes to start');
  if (parts.length === 1) return startOne(parts[0], { mergeable: false, label });
  const runs: AgentRun<Result>[] = [];
  try {
    for (const [k, part] of parts.entries()) runs.push(startOne(part, { mergeable: true, label: `${label} ${k + 1} of ${parts.length}` }));
  } catch (err) {
    for (const run of runs) void run.stop();
    throw err;
  }
  return combineRuns(runs, merge);
}

/** Several runs as one: each milestone when every run has reached it; the first failure fails it. */
export function combineRuns<Result extends LoadAgentResult>(runs: readonly AgentRun<Result>[], merge: (results: readonly Result[]) => Result): AgentRun<Result> {
  const warmedUp = Promise.all(runs.map((r) => r.warmedUp)).then(() => undefined);
  const measured = Promise.all(runs.map((r) => r.measured)).then(() => undefined);
  const result = Promise.all(runs.map((r) => r.result)).then(merge);
  // Callers may not await every promise (e.g. after Ctrl-C); don't let them become unhandled.
  for (const p of [warmedUp, measured, result]) p.catch(() => undefined);
  return {
    pids: runs.flatMap((r) => r.pids),
    warmedUp,
    measured,
    result,
    measure() {
      for (const run of runs) run.measure();
    },
    async stop() {
      await Promise.all(runs.map((r) => r.stop()));
    },
  };
}
