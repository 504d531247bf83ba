/**
 * Runs one neighbour process (a CPU hog, a writer) under its own Supervisor, inside its own
 * cgroup, tagged with the run id: it dies with meshbench (parent-death signal), `destroy`
 * finds it, and stop() leaves neither the process nor the cgroup behind.
 */
import { readFile } from 'node:fs/promises';
import { EnvironmentError } from '../../../errors.js';
import { Supervisor } from '../supervisor.js';
import type { LaunchCommand, PodCgroup } from './pod-cgroup.js';

/** Supervisor process names of neighbours start with this; leftovers are found by it. */
export const neighbourProcessPrefix = 'contention/';

const startCheckMs = 3_000;
const pollMs = 50;

export interface NeighbourProcessOptions {
  runId: string;
  logDir: string;
  /** e.g. `neighbour-cpu`; the supervisor names the process `contention/<name>`. */
  name: string;
  /** The cgroup it starts in; null runs it where meshbench runs. */
  cgroup: PodCgroup | null;
  launch: LaunchCommand;
  stopGraceMs?: number;
}

export interface NeighbourProcess {
  pid: number;
  logFile: string;
  /** The process and its children (stress-ng forks one worker per instance). */
  pids(): Promise<number[]>;
  /** Stops the process tree, then removes its cgroup. Safe to call more than once. */
  stop(): Promise<void>;
}

export async function startNeighbourProcess(o: NeighbourProcessOptions): Promise<NeighbourProcess> {
  const supervisor = new Supervisor({ runId: o.runId, logDir: o.logDir, stopGraceMs: o.stopGraceMs ?? 2_000 });
  const launch = o.cgroup ? o.cgroup.wrapLaunch(o.launch) : o.launch;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const failures: string[] = [];
      await supervisor.stopAll().catch((error: Error) => failures.push(error.message));
      await o.cgroup?.remove().catch((error: Error) => failures.push(error.message));
      if (failures.length > 0) throw new EnvironmentError(`could not stop ${o.name}: ${failures.join('; ')}`);
    })();
    return stopping;
  };

  try {
    const started = await supervisor.start({ name: `${neighbourProcessPrefix}${o.name}`, command: launch.command, args: launch.args, env: launch.env });
    await confirmStarted(supervisor, started.pid, o.cgroup, started.logFile, o.name);
    return {
      pid: started.pid,
      logFile: started.logFile,
      pids: async () => (o.cgroup ? o.cgroup.pids() : [started.pid]),
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** The process must still run and, with a cgroup, be inside it: the entry script exits 126 if it cannot get in. */
async function confirmStarted(supervisor: Supervisor, pid: number, cgroup: PodCgroup | null, logFile: string, name: string): Promise<void> {
  const deadline = Date.now() + startCheckMs;
  for (;;) {
    const proc = supervisor.pids().find((p) => p.pid === pid);
    if (!proc || !proc.running) {
      const how = proc?.exitSignal ? `signal ${proc.exitSignal}` : `code ${proc?.exitCode}`;
      throw new EnvironmentError(`${name} exited at once (${how}). Last lines of ${logFile}:\n${await tail(logFile)}`);
    }
    if (!cgroup || (await cgroup.pids()).includes(pid)) return;
    if (Date.now() >= deadline) throw new EnvironmentError(`${name} (pid ${pid}) did not enter cgroup ${cgroup.settings.cgroupName} within ${startCheckMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

async function tail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-10).map((l) => `  ${l}`).join('\n');
}
