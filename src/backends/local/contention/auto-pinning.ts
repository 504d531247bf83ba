/**
 * `pinning: auto`: the load generator on CPUs of its own, the pods on the rest.
 *
 * Why it matters (measured on the 2-vCPU lab VM, quickstart, 3 repetitions): unpinned, the
 * scheduler puts the driver, the app and two proxies on 2 CPUs a different way in every
 * trial, and the same cell's throughput ranged 14k–62k req/s; the gate could not tell two
 * identical runs apart. Pinned, the same figures repeated to within 1–3%. A real mesh has its
 * clients on other CPUs (or nodes) too, so pinned is also the more faithful picture.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { formatCpuList, parseCpuList } from './cpu-list.js';

export interface Pinning {
  podCpus: number[];
  loadgenCpus: number[];
}

export interface ResolvedPinning {
  /** null: nothing pinned (one CPU). */
  pinning: Pinning | null;
  /** For run.json and the report: what auto found and chose. */
  note: string;
}

/**
 * Pure: one CPU per driver process for the load generator, but never more than half the
 * CPUs, taken from the top; the pods get the rest. One CPU: nothing can be set apart.
 */
export function resolveAutoPinning(availableCpus: readonly number[], loadProcesses: number): ResolvedPinning {
  const cpus = [...new Set(availableCpus)].sort((a, b) => a - b);
  const offered = `this host offers CPU${cpus.length === 1 ? '' : 's'} ${formatCpuList(cpus)}`;
  if (cpus.length < 2) return { pinning: null, note: `pinning auto: ${offered}, so nothing is pinned` };
  const loadgenCount = Math.min(Math.max(1, loadProcesses), Math.floor(cpus.length / 2));
  const pinning = { podCpus: cpus.slice(0, cpus.length - loadgenCount), loadgenCpus: cpus.slice(cpus.length - loadgenCount) };
  return {
    pinning,
    note: `pinning auto: ${offered}; pods on ${formatCpuList(pinning.podCpus)}, load generator on ${formatCpuList(pinning.loadgenCpus)}`,
  };
}

/** The CPUs this process may run on (its affinity, which a container's cpuset also narrows). */
export async function allowedCpus(): Promise<number[]> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  const line = /^Cpus_allowed_list:\s*(.+)$/m.exec(status);
  const fromStatus = line ? parseCpuList(line[1]!) : [];
  return fromStatus.length > 0 ? fromStatus : Array.from({ length: os.availableParallelism() }, (_, i) => i);
}
