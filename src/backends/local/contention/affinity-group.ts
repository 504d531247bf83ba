/**
 * Pinning without cgroups: CPU affinity (taskset), which any user may set on their own
 * processes and which children inherit. Used when a tier asks for nothing but pinning and
 * meshbench may not create cgroups (not root), so `pinning: auto` works on a laptop too.
 * There is no quota, weight or throttling here, and nothing to remove afterwards.
 */
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { promisify } from 'node:util';
import { EnvironmentError } from '../../../errors.js';
import { defaultCgroupWeight, defaultCpuPeriodUs } from './cgroup-limits.js';
import { formatCpuList } from './cpu-list.js';
import type { CpuThrottling } from './cpu-throttling.js';
import type { LaunchCommand, PodCgroup, PodCgroupSettings } from './pod-cgroup.js';
import { applyToProcessTree } from './process-tree-apply.js';

const execFileAsync = promisify(execFile);

/** `cpus` null: a group that pins nothing (auto pinning on one CPU), so callers need no special case. */
export function createAffinityGroup(runId: string, name: string, cpus: readonly number[] | null): PodCgroup {
  const sorted = cpus ? [...new Set(cpus)].sort((a, b) => a - b) : null;
  const settings: PodCgroupSettings = {
    name,
    cgroupName: null,
    cpu: null,
    cpuset: null,
    cpuQuotaCores: null,
    cpuPeriodUs: defaultCpuPeriodUs,
    weight: defaultCgroupWeight,
    cpus: sorted,
    pinnedBy: sorted ? 'taskset' : null,
  };
  const members = new Set<number>();
  return {
    runId,
    name,
    settings,
    async addPid(pid) {
      const applied = await applyToProcessTree(pid, (p) => (sorted ? setAffinity(p, sorted) : Promise.resolve(processExists(p))), `the ${name} CPU set`);
      for (const p of applied) members.add(p);
      return applied;
    },
    async pids() {
      return [...members].filter(processExists);
    },
    wrapLaunch(launch: LaunchCommand) {
      return sorted ? { ...launch, command: 'taskset', args: ['-c', formatCpuList(sorted), launch.command, ...launch.args] } : launch;
    },
    readThrottling(): Promise<CpuThrottling> {
      return Promise.reject(new EnvironmentError(`${name}: CPU throttling counters need a cgroup, and this group is CPU affinity only`));
    },
    async remove() {},
  };
}

/** Pins every thread of `pid`; false when the process has gone. */
export async function setAffinity(pid: number, cpus: readonly number[]): Promise<boolean> {
  try {
    // -a: every thread, not only the main one.
    await execFileAsync('taskset', ['-a', '-p', '-c', formatCpuList(cpus), String(pid)]);
    // With -a, taskset walks /proc/<pid>/task and exits 0 when there is none: look for ourselves.
    return await access(`/proc/${pid}/task`).then(
      () => true,
      () => false,
    );
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '');
    if (/No such process|failed to (get|set) pid/i.test(stderr)) return false;
    throw new EnvironmentError(`taskset could not pin process ${pid} to CPUs ${formatCpuList(cpus)}: ${stderr.trim() || (error as Error).message}`);
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
