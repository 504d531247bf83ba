/**
 * Which cgroup files this host offers for CPU limits, weights and pinning, and whether we may
 * write them. Hosts differ: pure v2 (cpu.max, cpu.weight, cpuset.cpus on the unified mount),
 * pure v1, or hybrid like the lab host (v1 cpu and cpuset controllers, and a v2 mount that
 * holds only hugetlb, so cpu.max does not exist there). Each controller is taken from the
 * hierarchy that actually holds it.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { detectCgroup, type CgroupLayout } from '../../../sampling/host-facts.js';

export type CgroupVersion = 'v1' | 'v2';

export interface ControllerSupport {
  version: CgroupVersion;
  /** Root of the hierarchy holding the controller, e.g. /sys/fs/cgroup/cpu (v1) or /sys/fs/cgroup (v2). */
  mountPoint: string;
}

export interface CgroupSupport {
  layout: CgroupLayout['version'];
  /** CPU quota, weight and throttling counters; null when no hierarchy offers the cpu controller. */
  cpu: ControllerSupport | null;
  /** Pinning; null when no hierarchy offers cpuset (pinning then falls back to taskset). */
  cpuset: ControllerSupport | null;
  /** This process may create cgroups in every hierarchy above (root, mounts writable). */
  writable: boolean;
  /** Why cgroups cannot be used here, or null when they can. */
  unavailableReason: string | null;
  /** What this host offers, in words, for run.json and the report. */
  summary: string;
}

export interface CgroupAccess {
  /** Effective uid is 0: creating cgroups needs root (or a delegated subtree, not handled). */
  isRoot: boolean;
  /** Mount points that access(W_OK) accepted. */
  writableMountPoints: readonly string[];
}

/** Pure: what a layout offers, given what access checks found. */
export function describeCgroupSupport(layout: CgroupLayout, accessFound: CgroupAccess): CgroupSupport {
  const pick = (controller: string): ControllerSupport | null => {
    // v2 first: where a controller is on the unified hierarchy it is not usable in v1.
    if (layout.v2MountPoint !== null && layout.v2Controllers.includes(controller)) return { version: 'v2', mountPoint: layout.v2MountPoint };
    const v1 = layout.v1MountPoints[controller];
    return v1 ? { version: 'v1', mountPoint: v1 } : null;
  };
  const cpu = pick('cpu');
  const cpuset = pick('cpuset');
  const mounts = [cpu, cpuset].filter((c): c is ControllerSupport => c !== null).map((c) => c.mountPoint);
  const readOnly = mounts.filter((m) => !accessFound.writableMountPoints.includes(m));

  let unavailableReason: string | null = null;
  if (!cpu) unavailableReason = 'no cgroup hierarchy offers the cpu controller';
  else if (!accessFound.isRoot) unavailableReason = 'creating cgroups needs root (meshbench runs as another user)';
  else if (readOnly.length > 0) unavailableReason = `cgroup mount(s) not writable: ${readOnly.join(', ')}`;

  const parts: string[] = [`cgroup layout ${layout.version}.`];
  if (cpu) {
    parts.push(
      cpu.version === 'v1'
        ? `CPU quota, weight and throttling: cgroup v1 at ${cpu.mountPoint} (cpu.cfs_quota_us/cpu.cfs_period_us, cpu.shares, cpu.stat).`
        : `CPU quota, weight and throttling: cgroup v2 at ${cpu.mountPoint} (cpu.max, cpu.weight, cpu.stat).`,
    );
  } else {
    parts.push('No cpu controller: CPU quota, weight and throttling counters are not available.');
  }
  parts.push(
    cpuset
      ? `Pinning: cgroup ${cpuset.version} cpuset at ${cpuset.mountPoint} (cpuset.cpus).`
      : 'No cpuset controller: pinning falls back to taskset (CPU affinity), which children inherit.',
  );
  if (layout.v2MountPoint !== null && cpu?.version === 'v1') {
    const v2 = layout.v2Controllers.length > 0 ? `only ${layout.v2Controllers.join(', ')}` : 'no controllers';
    parts.push(`The unified (v2) hierarchy at ${layout.v2MountPoint} offers ${v2}, so cpu.max and cpu.weight are not available.`);
  }
  if (unavailableReason) parts.push(`Cannot create cgroups: ${unavailableReason}.`);
  return { layout: layout.version, cpu, cpuset, writable: unavailableReason === null, unavailableReason, summary: parts.join(' ') };
}

/** Reads the host's cgroup layout and checks that we may write to it. */
export async function detectCgroupSupport(options: { procRoot?: string } = {}): Promise<CgroupSupport> {
  const layout = await detectCgroup(options);
  const candidates = new Set<string>([...Object.values(layout.v1MountPoints), ...(layout.v2MountPoint ? [layout.v2MountPoint] : [])]);
  const writableMountPoints: string[] = [];
  for (const mountPoint of candidates) {
    try {
      await access(mountPoint, constants.W_OK);
      writableMountPoints.push(mountPoint);
    } catch {
      // read-only or not ours: describeCgroupSupport says so
    }
  }
  return describeCgroupSupport(layout, { isRoot: process.geteuid?.() === 0, writableMountPoints });
}
