/**
 * A noisy CPU neighbour: hogs with a duty cycle in their own cgroup, with the same weight
 * as the pods and pinned to the pods' CPUs, so run-queue delay appears (PSI cpu "some"
 * rises). Lab §8a: an equal-weight hog in its own cgroup took exactly half of the core and
 * raised p99 2.7–3.5×; hogs outside explicit cgroups were unreliable (autogroup).
 * Steal itself cannot be emulated: only a hypervisor produces it.
 */
import os from 'node:os';
import { EnvironmentError, InvalidInputError } from '../../../errors.js';
import { neighbourNamePrefix } from './cgroup-names.js';
import { detectCgroupSupport, type CgroupSupport } from './cgroup-support.js';
import { chooseImplementation, cpuHogCommand, findStressNg, type NeighbourImplementation, type NeighbourImplementationChoice } from './neighbour-commands.js';
import { startNeighbourProcess } from './neighbour-process.js';
import { createPodCgroup, type PodCgroupSettings } from './pod-cgroup.js';

export const cpuNeighbourName = `${neighbourNamePrefix}cpu`;

export interface CpuNeighbourOptions {
  runId: string;
  /** Where its log goes (stress-ng's or the built-in's output). */
  logDir: string;
  /** Share of each period the hog wants the CPU, 1–100. */
  dutyPct: number;
  /** Length of one busy+idle cycle. Default 100 ms (one CFS quota period). */
  periodMs?: number;
  /** CPUs to pin to: the pods' CPUs. All CPUs when absent. */
  cpus?: number[];
  /** Weight on the pods' scale (100 = the default pod weight); give the pods' to make it an equal neighbour. Default 100. */
  weight?: number;
  /** Hog threads; default one per CPU it is pinned to. */
  workers?: number;
  /** Default auto: stress-ng when installed, else the built-in. */
  implementation?: NeighbourImplementationChoice;
  support?: CgroupSupport;
  stopGraceMs?: number;
}

export interface CpuNeighbourSettings {
  implementation: NeighbourImplementation;
  command: string[];
  dutyPct: number;
  periodMs: number;
  workers: number;
  cgroup: PodCgroupSettings;
}

export interface CpuNeighbour {
  readonly settings: CpuNeighbourSettings;
  readonly pid: number;
  /** Every hog process now running (stress-ng forks one per worker), e.g. to tell them from foreign CPU. */
  pids(): Promise<number[]>;
  /** Stops the hogs and removes their cgroup. Safe to call more than once. */
  stop(): Promise<void>;
}

export async function startCpuNeighbour(o: CpuNeighbourOptions): Promise<CpuNeighbour> {
  const periodMs = o.periodMs ?? 100;
  const problems: string[] = [];
  if (!(o.dutyPct >= 1 && o.dutyPct <= 100)) problems.push(`dutyPct must be from 1 to 100, got ${o.dutyPct}`);
  if (!Number.isInteger(periodMs) || periodMs < 10 || periodMs > 10_000) problems.push(`periodMs must be an integer from 10 to 10000, got ${periodMs}`);
  const workers = o.workers ?? (o.cpus?.length || os.availableParallelism());
  if (!Number.isInteger(workers) || workers < 1) problems.push(`workers must be an integer >= 1, got ${workers}`);
  if (problems.length > 0) throw new InvalidInputError(`invalid CPU neighbour: ${problems.join('; ')}`, problems);

  const chosen = chooseImplementation(o.implementation ?? 'auto', findStressNg());
  if (!chosen) throw new EnvironmentError('the CPU neighbour asks for stress-ng, which is not installed', 'sudo apt-get install -y stress-ng, or use implementation: builtin');
  const support = o.support ?? (await detectCgroupSupport());
  const cgroup = await createPodCgroup(o.runId, cpuNeighbourName, { cpus: o.cpus, weight: o.weight, support });
  const launch = cpuHogCommand({ ...chosen, workers, dutyPct: o.dutyPct, periodMs });
  // createPodCgroup succeeded, so startNeighbourProcess owns its removal from here on.
  const proc = await startNeighbourProcess({ runId: o.runId, logDir: o.logDir, name: cpuNeighbourName, cgroup, launch, stopGraceMs: o.stopGraceMs });
  return {
    settings: {
      implementation: chosen.implementation,
      command: [launch.command, ...launch.args],
      dutyPct: o.dutyPct,
      periodMs,
      workers,
      cgroup: cgroup.settings,
    },
    pid: proc.pid,
    pids: proc.pids,
    stop: proc.stop,
  };
}
