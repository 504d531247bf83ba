/**
 * Per-container CPU and memory from cgroup v2, as the node sampler reads them on the host:
 * kubelet puts every container in its own cgroup, named after the runtime's container id
 * (systemd driver: kubepods.slice/…/cri-containerd-<id>.scope, crio-<id>.scope,
 * docker-<id>.scope; cgroupfs driver: kubepods/<qos>/pod<uid>/<id>). The id is the one in the
 * pod's containerStatuses (or initContainerStatuses, for native sidecars) after "<runtime>://".
 * Counters are cumulative; windows are differences of two readings.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ContainerReading {
  /** Container id without the runtime prefix (64 hex characters). */
  id: string;
  cpuUsageUsec: number;
  memoryCurrentBytes: number;
  /** memory.peak (kernel 5.19+), else null. */
  memoryPeakBytes: number | null;
}

const scopePattern = /^(?:cri-containerd|crio|docker)-([0-9a-f]{64})\.scope$/;
const bareIdPattern = /^[0-9a-f]{64}$/;
/** kubepods → qos → pod → container; a little slack for nested slices. */
const maxDepth = 6;

export function containerIdFromCgroupDir(name: string): string | null {
  return scopePattern.exec(name)?.[1] ?? (bareIdPattern.test(name) ? name : null);
}

/** "<runtime>://<id>" from a containerStatus → "<id>". */
export function containerIdFromStatus(containerID: string | undefined): string | null {
  if (!containerID) return null;
  const id = containerID.slice(containerID.indexOf('://') + 3);
  return id || null;
}

export function parseCpuStatUsageUsec(text: string): number {
  const line = text.split('\n').find((l) => l.startsWith('usage_usec '));
  return line ? Number(line.slice('usage_usec '.length)) : 0;
}

export function isCgroupV2(cgroupRoot: string): boolean {
  return existsSync(path.join(cgroupRoot, 'cgroup.controllers'));
}

function readNumber(file: string): number | null {
  try {
    const value = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

/** Every container cgroup under the kubepods hierarchy; [] when there is none (not cgroup v2, not a node). */
export function readContainerCgroups(cgroupRoot: string): ContainerReading[] {
  const readings: ContainerReading[] = [];
  const roots = ['kubepods.slice', 'kubepods'].map((d) => path.join(cgroupRoot, d)).filter((d) => existsSync(d));
  const walk = (dir: string, depth: number) => {
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return; // the pod went away while we walked
    }
    for (const name of entries) {
      const full = path.join(dir, name);
      const id = containerIdFromCgroupDir(name);
      if (id) {
        let cpuText: string;
        try {
          cpuText = readFileSync(path.join(full, 'cpu.stat'), 'utf8');
        } catch {
          continue;
        }
        readings.push({
          id,
          cpuUsageUsec: parseCpuStatUsageUsec(cpuText),
          memoryCurrentBytes: readNumber(path.join(full, 'memory.current')) ?? 0,
          memoryPeakBytes: readNumber(path.join(full, 'memory.peak')),
        });
      } else if (depth < maxDepth) {
        walk(full, depth + 1);
      }
    }
  };
  for (const root of roots) walk(root, 0);
  return readings;
}
