/**
 * What to write into a cgroup's files for a CPU quota, a weight and a CPU set, on v1 and v2.
 * Pure: the caller does the writing, in the order given.
 */
import type { CgroupVersion } from './cgroup-support.js';
import { formatCpuList } from './cpu-list.js';

export interface CgroupLimits {
  /** CPU time per period as a number of cores, like a Kubernetes CPU limit (0.5 = 500m). */
  cpuQuotaCores?: number;
  /** Length of one quota period; default 100 ms, as the kernel's and Kubernetes'. */
  cpuPeriodUs?: number;
  /**
   * Relative CPU weight on cgroup v2's scale: 1 to 10000, 100 being an ordinary process.
   * v1 gets cpu.shares = weight × 1024 / 100, so 100 ↔ 1024. Default 100.
   */
  weight?: number;
  /** CPUs the processes may run on (cpuset.cpus); all when absent. */
  cpus?: readonly number[];
}

export interface CgroupFileWrite {
  /** File name inside the cgroup directory. */
  file: string;
  value: string;
}

export const defaultCpuPeriodUs = 100_000;
export const defaultCgroupWeight = 100;
/** v1 shares for weight 100: the kernel's default. */
const sharesPerWeight100 = 1024;

/** Every problem with the limits, in words; empty when they are fine. */
export function checkCgroupLimits(limits: CgroupLimits): string[] {
  const problems: string[] = [];
  const periodUs = limits.cpuPeriodUs ?? defaultCpuPeriodUs;
  if (!Number.isInteger(periodUs) || periodUs < 1_000 || periodUs > 1_000_000) {
    problems.push(`cpuPeriodUs must be an integer from 1000 to 1000000, got ${periodUs}`);
  }
  if (limits.cpuQuotaCores !== undefined) {
    if (!(limits.cpuQuotaCores > 0) || !Number.isFinite(limits.cpuQuotaCores)) problems.push(`cpuQuotaCores must be > 0, got ${limits.cpuQuotaCores}`);
    else if (Math.round(limits.cpuQuotaCores * periodUs) < 1_000) {
      // The kernel refuses quotas under 1 ms per period.
      problems.push(`cpuQuotaCores ${limits.cpuQuotaCores} gives less than 1 ms per ${periodUs} µs period (the kernel's minimum)`);
    }
  }
  if (limits.weight !== undefined && (!Number.isInteger(limits.weight) || limits.weight < 1 || limits.weight > 10_000)) {
    problems.push(`weight must be an integer from 1 to 10000 (100 = an ordinary process), got ${limits.weight}`);
  }
  if (limits.cpus !== undefined) {
    if (limits.cpus.length === 0) problems.push('cpus must name at least one CPU');
    for (const cpu of limits.cpus) if (!Number.isInteger(cpu) || cpu < 0) problems.push(`cpus must be integers >= 0, got ${cpu}`);
  }
  return problems;
}

export function quotaUs(cpuQuotaCores: number, periodUs: number): number {
  return Math.round(cpuQuotaCores * periodUs);
}

/** v2 weight (1–10000) → v1 cpu.shares (2–262144). */
export function weightToShares(weight: number): number {
  return Math.min(262_144, Math.max(2, Math.round((weight * sharesPerWeight100) / 100)));
}

/** Files of the cpu controller, in write order (v1 wants the period before a quota that relies on it). */
export function cpuControllerWrites(version: CgroupVersion, limits: CgroupLimits): CgroupFileWrite[] {
  const periodUs = limits.cpuPeriodUs ?? defaultCpuPeriodUs;
  const weight = limits.weight ?? defaultCgroupWeight;
  const quota = limits.cpuQuotaCores === undefined ? undefined : quotaUs(limits.cpuQuotaCores, periodUs);
  if (version === 'v1') {
    return [
      { file: 'cpu.cfs_period_us', value: String(periodUs) },
      { file: 'cpu.cfs_quota_us', value: quota === undefined ? '-1' : String(quota) },
      { file: 'cpu.shares', value: String(weightToShares(weight)) },
    ];
  }
  return [
    { file: 'cpu.max', value: `${quota === undefined ? 'max' : quota} ${periodUs}` },
    { file: 'cpu.weight', value: String(weight) },
  ];
}

/**
 * Files of the cpuset controller. v1 refuses tasks until both cpus and mems are set, so mems
 * is copied from the parent; v2 inherits mems when left empty.
 */
export function cpusetControllerWrites(version: CgroupVersion, cpus: readonly number[], parentMems: string): CgroupFileWrite[] {
  const writes: CgroupFileWrite[] = [{ file: 'cpuset.cpus', value: formatCpuList(cpus) }];
  if (version === 'v1') writes.push({ file: 'cpuset.mems', value: parentMems.trim() });
  return writes;
}
