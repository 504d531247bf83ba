/**
 * Names of the cgroups meshbench creates. Every one sits directly under a hierarchy's root
 * and is named `meshbench_<runId>_<name>`, so `destroy` can find a crashed run's cgroups by
 * listing the root, and tell which run made them.
 *
 * Flat, not nested under a per-run parent: with cgroup v1 shares a parent's weight is split
 * across CPUs by load, so a loadgen and the pods under one parent would each get a fraction
 * of one entity's weight against other tenants' processes (lab §8 used top-level groups).
 */

export const cgroupPrefix = 'meshbench_';

/** Cgroups of neighbour processes (hogs) start with this, so leftovers can tell them from pods. */
export const neighbourNamePrefix = 'neighbour-';

// Run ids from newRunId() are `<dns label>-<stamp>-<hex>`; "_" is kept out so the name parses back.
const runIdPattern = /^[A-Za-z0-9.-]+$/;
const namePattern = /^[A-Za-z0-9.-]+$/;

export function checkRunIdForCgroup(runId: string): void {
  if (!runIdPattern.test(runId)) throw new Error(`run id "${runId}" cannot name a cgroup: only letters, digits, "." and "-" are allowed`);
}

export function cgroupDirName(runId: string, name: string): string {
  checkRunIdForCgroup(runId);
  if (!namePattern.test(name)) throw new Error(`cgroup name "${name}" may only contain letters, digits, "." and "-"`);
  return `${cgroupPrefix}${runId}_${name}`;
}

/** The run id and name of one of our cgroup directory names, or null for anything else. */
export function parseCgroupDirName(dirName: string): { runId: string; name: string } | null {
  const match = /^meshbench_([A-Za-z0-9.-]+)_([A-Za-z0-9.-]+)$/.exec(dirName);
  return match ? { runId: match[1]!, name: match[2]! } : null;
}

export function isNeighbourName(name: string): boolean {
  return name.startsWith(neighbourNamePrefix);
}
