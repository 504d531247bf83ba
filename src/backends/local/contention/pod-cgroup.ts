/**
 * A cgroup for a set of processes (a tier's pods, the load generator, a neighbour): CPU
 * quota and weight in the cpu hierarchy, pinning in the cpuset hierarchy, throttling
 * counters, and removal that leaves nothing behind.
 *
 * Always created in the cpu hierarchy, even without a quota: processes in it then compete
 * as one entity of a known weight. Outside a cgroup, the kernel's autogroup schedules every
 * session on its own (the supervisor starts each process in a new session), and lab §8
 * found ad-hoc placement unreliable for exactly that reason.
 */
import os from 'node:os';
import { join } from 'node:path';
import { EnvironmentError, InvalidInputError } from '../../../errors.js';
import { setAffinity } from './affinity-group.js';
import { checkCgroupLimits, cpuControllerWrites, cpusetControllerWrites, defaultCgroupWeight, defaultCpuPeriodUs, type CgroupFileWrite, type CgroupLimits } from './cgroup-limits.js';
import { cgroupDirName } from './cgroup-names.js';
import { cgroupDirOf, makeCgroupDir, moveProcess, readCgroupFile, readCgroupPids, removeCgroupDir, writeCgroupFile } from './cgroup-files.js';
import { detectCgroupSupport, type CgroupSupport, type CgroupVersion, type ControllerSupport } from './cgroup-support.js';
import { formatCpuList, parseCpuList } from './cpu-list.js';
import { parseCpuStat, type CpuThrottling } from './cpu-throttling.js';
import { applyToProcessTree } from './process-tree-apply.js';

export interface PodCgroupOptions extends CgroupLimits {
  /** Detect once per run and pass it along; detected here when absent. */
  support?: CgroupSupport;
}

/** What was applied, for run.json: enough to reproduce it on another machine. */
export interface PodCgroupSettings {
  /** The caller's name, e.g. `pods`, `loadgen`, `neighbour-cpu`. */
  name: string;
  /** Directory name under each hierarchy's root: `meshbench_<runId>_<name>`; null for CPU affinity only (affinity-group.ts). */
  cgroupName: string | null;
  cpu: { version: CgroupVersion; path: string; writes: CgroupFileWrite[] } | null;
  cpuset: { version: CgroupVersion; path: string; writes: CgroupFileWrite[] } | null;
  cpuQuotaCores: number | null;
  cpuPeriodUs: number;
  weight: number;
  cpus: number[] | null;
  /** How `cpus` is enforced: a cpuset cgroup, or CPU affinity when the host has no cpuset controller. */
  pinnedBy: 'cpuset' | 'taskset' | null;
}

export interface LaunchCommand {
  command: string;
  args: string[];
  /** Added to the process's environment. */
  env?: Record<string, string>;
}

export interface PodCgroup {
  readonly runId: string;
  readonly name: string;
  readonly settings: PodCgroupSettings;
  /**
   * Moves a running process and all its descendants (nginx: master and workers) into the
   * cgroup. Returns every pid moved. Throws when `pid` itself does not exist.
   */
  addPid(pid: number): Promise<number[]>;
  /** Processes now in the cgroup (cpu hierarchy). */
  pids(): Promise<number[]>;
  /**
   * A launch that enters the cgroup before exec'ing `command`, so nothing runs outside it even
   * for a moment. The pid stays the command's own (sh execs it). Pass the result to the
   * Supervisor, which adds its parent-death wrapper around it.
   */
  wrapLaunch(launch: LaunchCommand): LaunchCommand;
  /** Cumulative CFS counters; diff two readings with throttlingBetween(). */
  readThrottling(): Promise<CpuThrottling>;
  /**
   * Moves any processes left inside back to meshbench's own cgroup (the hierarchy root when
   * that fails), then removes the directories. Safe to call more than once.
   */
  remove(): Promise<void>;
}

export async function createPodCgroup(runId: string, name: string, options: PodCgroupOptions = {}): Promise<PodCgroup> {
  const problems = checkCgroupLimits(options);
  if (problems.length > 0) throw new InvalidInputError(`invalid contention settings for cgroup "${name}": ${problems.join('; ')}`, problems);
  const cgroupName = cgroupDirName(runId, name);
  const support = options.support ?? (await detectCgroupSupport());
  if (!support.writable || !support.cpu) {
    throw new EnvironmentError(`cannot create cgroup ${cgroupName}: ${support.unavailableReason ?? 'cgroups are not available'}`, support.summary);
  }
  const cpuSupport = support.cpu;
  const cpus = options.cpus ? [...new Set(options.cpus)].sort((a, b) => a - b) : null;
  if (cpus) await checkCpusExist(cpus, support.cpuset);

  const created: Array<{ dir: string; controller: 'cpu' | 'cpuset'; support: ControllerSupport }> = [];
  const undo = async () => {
    for (const c of created.reverse()) await removeCgroupDir(c.dir, c.support.mountPoint, c.support.mountPoint).catch(() => undefined);
  };
  try {
    // v2 hands a controller to a child only if the parent enabled it before the child needs it.
    if (cpuSupport.version === 'v2') await enableV2Controller(cpuSupport.mountPoint, 'cpu');
    if (cpus && support.cpuset?.version === 'v2') await enableV2Controller(support.cpuset.mountPoint, 'cpuset');
    const cpuDir = join(cpuSupport.mountPoint, cgroupName);
    await makeCgroupDir(cpuDir);
    created.push({ dir: cpuDir, controller: 'cpu', support: cpuSupport });
    const cpuWrites = cpuControllerWrites(cpuSupport.version, options);
    for (const w of cpuWrites) await writeCgroupFile(cpuDir, w.file, w.value);

    let cpuset: PodCgroupSettings['cpuset'] = null;
    if (cpus && support.cpuset) {
      const cs = support.cpuset;
      // On a pure v2 host cpu and cpuset share one directory.
      const cpusetDir = join(cs.mountPoint, cgroupName);
      if (cpusetDir !== cpuDir) {
        await makeCgroupDir(cpusetDir);
        created.push({ dir: cpusetDir, controller: 'cpuset', support: cs });
      }
      const parentMems = cs.version === 'v1' ? await readCgroupFile(cs.mountPoint, 'cpuset.mems') : '';
      const writes = cpusetControllerWrites(cs.version, cpus, parentMems);
      for (const w of writes) await writeCgroupFile(cpusetDir, w.file, w.value);
      cpuset = { version: cs.version, path: cpusetDir, writes };
    }

    const settings: PodCgroupSettings = {
      name,
      cgroupName,
      cpu: { version: cpuSupport.version, path: cpuDir, writes: cpuWrites },
      cpuset,
      cpuQuotaCores: options.cpuQuotaCores ?? null,
      cpuPeriodUs: options.cpuPeriodUs ?? defaultCpuPeriodUs,
      weight: options.weight ?? defaultCgroupWeight,
      cpus,
      pinnedBy: cpus ? (cpuset ? 'cpuset' : 'taskset') : null,
    };
    return new PodCgroupHandle(runId, settings, created);
  } catch (error) {
    await undo();
    throw error;
  }
}

class PodCgroupHandle implements PodCgroup {
  private removing: Promise<void> | undefined;
  readonly name: string;

  private readonly cgroupName: string;
  private readonly cpuPath: string;

  constructor(
    readonly runId: string,
    readonly settings: PodCgroupSettings,
    private readonly dirs: ReadonlyArray<{ dir: string; controller: 'cpu' | 'cpuset'; support: ControllerSupport }>,
  ) {
    this.name = settings.name;
    this.cgroupName = settings.cgroupName!;
    this.cpuPath = settings.cpu!.path;
  }

  async addPid(pid: number): Promise<number[]> {
    if (this.removing) throw new Error(`cgroup ${this.settings.cgroupName} has been removed`);
    return applyToProcessTree(
      pid,
      async (p) => {
        let alive = true;
        for (const d of this.dirs) alive = alive && (await moveProcess(d.dir, p));
        if (alive && this.settings.pinnedBy === 'taskset') alive = await setAffinity(p, this.settings.cpus!);
        return alive;
      },
      this.cgroupName,
    );
  }

  pids(): Promise<number[]> {
    return readCgroupPids(this.cpuPath);
  }

  wrapLaunch({ command, args, env }: LaunchCommand): LaunchCommand {
    const files = this.dirs.map((d) => join(d.dir, 'cgroup.procs'));
    const inner = this.settings.pinnedBy === 'taskset' ? ['taskset', '-c', formatCpuList(this.settings.cpus!), command, ...args] : [command, ...args];
    // $0 names the shell in ps; $1 counts the cgroup files that follow; the rest is the command.
    const script = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 126; shift; n=$((n - 1)); done; exec "$@"';
    return { command: '/bin/sh', args: ['-c', script, 'meshbench-cgroup-enter', String(files.length), ...files, ...inner], env };
  }

  async readThrottling(): Promise<CpuThrottling> {
    return parseCpuStat(await readCgroupFile(this.cpuPath, 'cpu.stat'));
  }

  remove(): Promise<void> {
    this.removing ??= (async () => {
      const failures: string[] = [];
      // cpuset first: its directory is the one whose removal nothing else depends on.
      for (const d of [...this.dirs].reverse()) {
        try {
          const own = await cgroupDirOf('self', d.controller, d.support);
          const target = own === d.dir ? d.support.mountPoint : own;
          await removeCgroupDir(d.dir, target, d.support.mountPoint);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
      if (failures.length > 0) throw new EnvironmentError(`could not remove cgroup ${this.settings.cgroupName}: ${failures.join('; ')}`);
    })();
    return this.removing;
  }
}

/** v2 hands a controller to children only when the parent lists it in cgroup.subtree_control. */
async function enableV2Controller(mountPoint: string, controller: 'cpu' | 'cpuset'): Promise<void> {
  const enabled = (await readCgroupFile(mountPoint, 'cgroup.subtree_control')).split(/\s+/);
  if (enabled.includes(controller)) return;
  try {
    await writeCgroupFile(mountPoint, 'cgroup.subtree_control', `+${controller}`);
  } catch (error) {
    throw new EnvironmentError(
      `cannot enable the ${controller} controller for children of ${mountPoint}: ${(error as Error).message}`,
      'Inside a container the cgroup root usually holds processes, and cgroup v2 then refuses to delegate controllers; run on the host or give the container a delegated subtree.',
      { cause: error },
    );
  }
}

async function checkCpusExist(cpus: number[], cpuset: ControllerSupport | null): Promise<void> {
  let available: number[];
  if (cpuset) {
    const file = cpuset.version === 'v1' ? 'cpuset.effective_cpus' : 'cpuset.cpus.effective';
    available = parseCpuList(await readCgroupFile(cpuset.mountPoint, file).catch(() => ''));
  } else {
    available = [];
  }
  if (available.length === 0) available = Array.from({ length: os.availableParallelism() }, (_, i) => i);
  const missing = cpus.filter((c) => !available.includes(c));
  if (missing.length > 0) {
    throw new InvalidInputError(`CPU(s) ${formatCpuList(missing)} do not exist here; this host offers CPUs ${formatCpuList(available)}`, [
      `cpus ${formatCpuList(missing)} not available`,
    ]);
  }
}
