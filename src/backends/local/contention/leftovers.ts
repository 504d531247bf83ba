/**
 * What a crashed or killed run left of its contention: cgroups named `meshbench_<runId>_*`
 * in the cpu and cpuset hierarchies, neighbour processes (tagged `contention/*` by the
 * supervisor, or living in a neighbour cgroup: stress-ng's workers overwrite their own
 * environment), I/O neighbour directories `meshbench-io-<runId>` and emulated slow disks
 * (`meshbench-disk-<runId>`: image, loop device, mount, throttle). For `meshbench destroy`.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { findProcessesByRunId, killProcesses } from '../supervisor.js';
import { isNeighbourName, parseCgroupDirName } from './cgroup-names.js';
import { cgroupDirOf, readCgroupPids, removeCgroupDir } from './cgroup-files.js';
import { detectCgroupSupport, type CgroupSupport, type CgroupVersion, type ControllerSupport } from './cgroup-support.js';
import { ioDirPrefix } from './io-neighbour.js';
import { neighbourProcessPrefix } from './neighbour-process.js';
import { findSlowDiskLeftovers, liftSlowDiskLeftoverThrottles, removeSlowDiskLeftovers, type SlowDiskLeftover } from './slow-disk.js';

export interface LeftoverCgroup {
  runId: string;
  /** e.g. `pods`, `loadgen`, `neighbour-cpu`. */
  name: string;
  controller: 'cpu' | 'cpuset';
  version: CgroupVersion;
  path: string;
  /** Processes still inside. */
  pids: number[];
}

export interface LeftoverProcess {
  pid: number;
  runId: string;
  cmdline: string;
  /** How it was recognised. */
  foundBy: 'run-id tag' | 'neighbour cgroup';
}

export interface ContentionLeftovers {
  cgroups: LeftoverCgroup[];
  /** Neighbour processes only; a run's pods are stopped by findProcessesByRunId/killProcesses. */
  processes: LeftoverProcess[];
  ioDirs: string[];
  slowDisks: SlowDiskLeftover[];
}

export interface FindLeftoverOptions {
  support?: CgroupSupport;
  /**
   * Where I/O neighbour directories may be: in each of these directories or one level below
   * (the local backend's default work dir is <tmpdir>/meshbench-<runId>). Default: the OS temp dir.
   */
  searchDirs?: string[];
}

/** Everything of one run (a run id) or of every meshbench run (null). Reads only. */
export async function findContentionLeftovers(runId: string | null, options: FindLeftoverOptions = {}): Promise<ContentionLeftovers> {
  const support = options.support ?? (await detectCgroupSupport());
  const cgroups: LeftoverCgroup[] = [];
  const seenPaths = new Set<string>();
  for (const [controller, cs] of [['cpu', support.cpu], ['cpuset', support.cpuset]] as const) {
    if (!cs) continue;
    for (const entry of await listDirs(cs.mountPoint)) {
      const parsed = parseCgroupDirName(entry);
      if (!parsed || (runId !== null && parsed.runId !== runId)) continue;
      const path = join(cs.mountPoint, entry);
      // On pure v2 cpu and cpuset share one directory.
      if (seenPaths.has(path)) continue;
      seenPaths.add(path);
      cgroups.push({ ...parsed, controller, version: cs.version, path, pids: await readCgroupPids(path) });
    }
  }

  const processes = new Map<number, LeftoverProcess>();
  for (const p of await findProcessesByRunId(runId)) {
    if (p.name?.startsWith(neighbourProcessPrefix)) processes.set(p.pid, { pid: p.pid, runId: p.runId, cmdline: p.cmdline, foundBy: 'run-id tag' });
  }
  for (const c of cgroups.filter((c) => isNeighbourName(c.name))) {
    for (const pid of c.pids) {
      if (!processes.has(pid)) processes.set(pid, { pid, runId: c.runId, cmdline: await cmdlineOf(pid), foundBy: 'neighbour cgroup' });
    }
  }

  const ioDirs = new Set<string>();
  const wanted = (name: string) => name.startsWith(ioDirPrefix) && (runId === null || name === `${ioDirPrefix}${runId}`);
  for (const base of options.searchDirs ?? [os.tmpdir()]) {
    for (const entry of await listDirs(base)) {
      if (wanted(entry)) ioDirs.add(join(base, entry));
      else for (const inner of await listDirs(join(base, entry))) if (wanted(inner)) ioDirs.add(join(base, entry, inner));
    }
  }
  // A running writer names its directory on its command line, wherever that is.
  for (const p of processes.values()) {
    for (const match of p.cmdline.matchAll(/(\/\S*\/meshbench-io-[A-Za-z0-9.-]+)(?=\s|$)/g)) ioDirs.add(match[1]!);
  }
  const slowDisks = await findSlowDiskLeftovers(runId, options.searchDirs ?? [os.tmpdir()]);
  return { cgroups, processes: [...processes.values()].sort((a, b) => a.pid - b.pid), ioDirs: [...ioDirs].sort(), slowDisks };
}

export interface ContentionCleanup {
  /** Neighbour processes stopped (SIGTERM, SIGKILL after the grace period). */
  stoppedPids: number[];
  /** Other processes that were still inside a cgroup and were moved out to meshbench's own cgroup. */
  movedPids: number[];
  removedCgroups: string[];
  removedDirs: string[];
  /** What could not be cleaned up, in words; empty when everything went. */
  problems: string[];
}

/**
 * Stops the neighbours, moves anything else out of the cgroups, removes the cgroups and the
 * I/O directories. Carries on past failures and lists them in `problems`.
 */
export async function removeContentionLeftovers(
  found: ContentionLeftovers,
  options: { graceMs?: number; support?: CgroupSupport } = {},
): Promise<ContentionCleanup> {
  const support = options.support ?? (await detectCgroupSupport());
  const result: ContentionCleanup = { stoppedPids: [], movedPids: [], removedCgroups: [], removedDirs: [], problems: [] };
  // Before stopping the writers: one killed behind the throttle stays in uninterruptible sleep.
  result.problems.push(...(await liftSlowDiskLeftoverThrottles(found.slowDisks)));

  if (found.processes.length > 0) {
    try {
      const killed = await killProcesses(found.processes.map((p) => p.pid), { graceMs: options.graceMs ?? 2_000 });
      result.stoppedPids.push(...killed.terminated, ...killed.killed);
    } catch (error) {
      result.problems.push((error as Error).message);
    }
  }
  // cpuset before cpu, matching the order the handles remove them in.
  for (const c of [...found.cgroups].sort((a, b) => (a.controller === b.controller ? 0 : a.controller === 'cpuset' ? -1 : 1))) {
    const cs: ControllerSupport | null = c.controller === 'cpu' ? support.cpu : support.cpuset;
    const mountPoint = cs?.mountPoint ?? c.path.slice(0, c.path.lastIndexOf('/'));
    try {
      const own = cs ? await cgroupDirOf('self', c.controller, cs) : mountPoint;
      const { movedPids } = await removeCgroupDir(c.path, own === c.path ? mountPoint : own, mountPoint);
      result.movedPids.push(...movedPids.filter((p) => !result.movedPids.includes(p)));
      result.removedCgroups.push(c.path);
    } catch (error) {
      result.problems.push((error as Error).message);
    }
  }
  for (const dir of found.ioDirs) {
    try {
      await rm(dir, { recursive: true, force: true });
      result.removedDirs.push(dir);
    } catch (error) {
      result.problems.push(`cannot remove ${dir}: ${(error as Error).message}`);
    }
  }
  const diskProblems = await removeSlowDiskLeftovers(found.slowDisks);
  result.problems.push(...diskProblems);
  if (diskProblems.length === 0) result.removedDirs.push(...found.slowDisks.map((d) => d.image));
  return result;
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

async function cmdlineOf(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '')).replaceAll('\0', ' ').trim();
}
