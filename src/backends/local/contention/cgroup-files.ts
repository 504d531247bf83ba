/**
 * Reading and writing cgroup directories: the few file operations every other part of
 * contention/ goes through, with errors that name the file and the value.
 */
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EnvironmentError } from '../../../errors.js';
import type { ControllerSupport } from './cgroup-support.js';

const removeTimeoutMs = 5_000;
const retryIntervalMs = 50;

export async function writeCgroupFile(dir: string, file: string, value: string): Promise<void> {
  try {
    await writeFile(join(dir, file), value);
  } catch (error) {
    throw new EnvironmentError(`cannot write "${value}" to ${join(dir, file)}: ${(error as Error).message}`, undefined, { cause: error });
  }
}

export async function readCgroupFile(dir: string, file: string): Promise<string> {
  return readFile(join(dir, file), 'utf8');
}

/** Creates a cgroup directory; one that already exists belongs to someone else (or a crashed run). */
export async function makeCgroupDir(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new EnvironmentError(`cgroup ${dir} already exists: a run with this id is active or was left behind by a crash`, 'Run `meshbench destroy <runId>` for the run id in the name.');
    }
    throw new EnvironmentError(`cannot create cgroup ${dir}: ${(error as Error).message}`, undefined, { cause: error });
  }
}

/** Processes (thread-group ids) in a cgroup; [] when the cgroup is gone. */
export async function readCgroupPids(dir: string): Promise<number[]> {
  let text: string;
  try {
    text = await readFile(join(dir, 'cgroup.procs'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text.split('\n').filter((l) => /^\d+$/.test(l.trim())).map(Number);
}

/**
 * Moves one process (all its threads) into a cgroup. false when it has exited meanwhile;
 * children it forks afterwards are born inside.
 */
export async function moveProcess(dir: string, pid: number): Promise<boolean> {
  try {
    await writeFile(join(dir, 'cgroup.procs'), String(pid));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw new EnvironmentError(`cannot move process ${pid} into ${dir}: ${(error as Error).message}`, undefined, { cause: error });
  }
}

/**
 * Where a process of ours sits in a hierarchy (from /proc/<pid>/cgroup), as a directory under
 * the mount point; the mount point itself when it cannot tell.
 */
export async function cgroupDirOf(pid: number | 'self', controller: 'cpu' | 'cpuset', support: ControllerSupport): Promise<string> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    return support.mountPoint;
  }
  for (const line of text.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!match) continue;
    const [, id, controllers, path] = match;
    const matches = support.version === 'v2' ? id === '0' && controllers === '' : controllers!.split(',').includes(controller);
    if (matches) return join(support.mountPoint, path!);
  }
  return support.mountPoint;
}

/**
 * Moves whatever still runs in `dir` to `evacuateTo` (the mount point when that fails), then
 * removes the directory. Retries while the kernel still counts exiting tasks. Resolves when
 * the directory is gone; throws when it is still there after a few seconds.
 */
export async function removeCgroupDir(dir: string, evacuateTo: string, mountPoint: string): Promise<{ movedPids: number[] }> {
  const moved = new Set<number>();
  const deadline = Date.now() + removeTimeoutMs;
  for (;;) {
    for (const pid of await readCgroupPids(dir)) {
      try {
        if (await moveProcess(evacuateTo, pid)) moved.add(pid);
      } catch {
        // The target may refuse (v2 "no internal processes", a cpuset without our CPUs): the root never does.
        if (await moveProcess(mountPoint, pid)) moved.add(pid);
      }
    }
    try {
      await rmdir(dir);
      return { movedPids: [...moved] };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { movedPids: [...moved] };
      if (code !== 'EBUSY' && code !== 'ENOTEMPTY') throw new EnvironmentError(`cannot remove cgroup ${dir}: ${(error as Error).message}`, undefined, { cause: error });
      if (Date.now() >= deadline) {
        const left = await readCgroupPids(dir);
        throw new EnvironmentError(`cgroup ${dir} is still busy after ${removeTimeoutMs} ms (processes: ${left.join(', ') || 'none listed'})`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, retryIntervalMs));
  }
}
