/**
 * Everything a local tier's `contention` asks for, started together and undone together:
 * the pods' cgroup (quota, weight, pinning), the load generator's cgroup (pinning), a CPU
 * neighbour and an I/O neighbour. Start in order, stop in reverse; a failure half-way
 * undoes what was started.
 */
import { dirname, join } from 'node:path';
import { EnvironmentError } from '../../../errors.js';
import { createAffinityGroup } from './affinity-group.js';
import { allowedCpus, resolveAutoPinning, type Pinning } from './auto-pinning.js';
import { detectCgroupSupport, type CgroupSupport } from './cgroup-support.js';
import { startCpuNeighbour, type CpuNeighbour, type CpuNeighbourSettings } from './cpu-neighbour.js';
import type { CpuThrottling } from './cpu-throttling.js';
import { startIoNeighbour, type IoNeighbour, type IoNeighbourSettings } from './io-neighbour.js';
import type { NeighbourImplementationChoice } from './neighbour-commands.js';
import { createPodCgroup, type PodCgroup, type PodCgroupSettings } from './pod-cgroup.js';
import { createSlowDisk, type SlowDisk, type SlowDiskSettings } from './slow-disk.js';

/** A tier's contention, as the scenario declares it (the scenario schema's type must be assignable to this). */
export interface TierContentionSettings {
  /** CPU limit of all the tier's pods together, in cores (like a Kubernetes limit: 1 = 100 ms per 100 ms period). */
  cpuQuotaCores?: number;
  /** Quota period; default 100 ms. */
  cpuPeriodUs?: number;
  /** The pods' CPU weight (v2 scale, 100 = ordinary). Default 100. */
  podWeight?: number;
  cpuNeighbour?: {
    /** Share of each period the hog wants the CPU, 1–100. */
    dutyPct: number;
    /** The neighbour's weight on the pods' scale; default the pods' weight (an equal neighbour). */
    weight?: number;
    periodMs?: number;
    workers?: number;
    implementation?: NeighbourImplementationChoice;
  };
  ioNeighbour?: {
    /**
     * true (default): synchronous writes (fsync after each), which show as iowait on any disk.
     * false: buffered writes as fast as the page cache takes them; on a slow disk they fill its
     * dirty-page allowance, so every other writer there (access logs) is paused too.
     */
    fsync?: boolean;
    writers?: number;
    blockBytes?: number;
    fileBytes?: number;
    direct?: boolean;
    implementation?: NeighbourImplementationChoice;
  };
  /** The CPU neighbour is pinned with the pods. `auto`: see auto-pinning.ts. */
  pinning?: 'auto' | Pinning;
  /** An emulated slow disk (throttled loop device) for the access logs and the I/O neighbour. */
  slowDisk?: { writeIops?: number; writeMBps?: number; dirtyLimitMB?: number };
}

export interface StartTierContentionOptions {
  runId: string;
  tier: string;
  settings: TierContentionSettings;
  /** The run's work dir: the I/O neighbour writes under it (the disk the access logs go to). */
  workDir: string;
  /** Neighbour logs; default <workDir>/logs. */
  logDir?: string;
  /** Where a slow disk's image and mount point go; default the parent of workDir. */
  slowDiskDir?: string;
  support?: CgroupSupport;
  /** Driver processes per trial: `pinning: auto` gives each a CPU of its own where it can. Default 1. */
  loadProcesses?: number;
  /** The CPUs `pinning: auto` divides; default this process's affinity. */
  availableCpus?: readonly number[];
}

/** For run.json: what was applied to this tier, and what the host offered. */
export interface TierContentionRecord {
  tier: string;
  settings: TierContentionSettings;
  cgroupSupport: string;
  /** What `pinning: auto` found and chose; null for explicit or no pinning. */
  pinningNote: string | null;
  pods: PodCgroupSettings;
  loadgen: PodCgroupSettings | null;
  cpuNeighbour: CpuNeighbourSettings | null;
  ioNeighbour: IoNeighbourSettings | null;
  slowDisk: SlowDiskSettings | null;
}

export interface TierContention {
  /** Put every app and sidecar process here (addPid, or wrapLaunch before starting). */
  readonly pods: PodCgroup;
  /** Put the load generator here; null without pinning. */
  readonly loadgen: PodCgroup | null;
  readonly record: TierContentionRecord;
  /** The pods' cumulative CFS counters (diff per trial with throttlingBetween). */
  readThrottling(): Promise<CpuThrottling>;
  /** Where the tier's pods write access logs: the slow disk's mount point, or null for the work dir. */
  readonly accessLogDir: string | null;
  /** Neighbour processes now running: their CPU is not foreign to the trial, it is the point. */
  neighbourPids(): Promise<number[]>;
  /** Stops the neighbours and removes every cgroup and file; carries on past failures. Safe to call again. */
  stop(): Promise<void>;
}

export async function startTierContention(o: StartTierContentionOptions): Promise<TierContention> {
  const auto = o.settings.pinning === 'auto' ? resolveAutoPinning(o.availableCpus ?? (await allowedCpus()), o.loadProcesses ?? 1) : null;
  const pinning = auto ? auto.pinning : (o.settings.pinning as Pinning | undefined);
  const s: TierContentionSettings & { pinning?: Pinning } = { ...o.settings, pinning: pinning ?? undefined };
  if (!s.pinning) delete s.pinning;
  const support = o.support ?? (await detectCgroupSupport());
  // Pinning alone is CPU affinity, which needs no root; anything more needs cgroups (and says so when they are missing).
  const affinityOnly = !support.writable && Object.keys(s).every((k) => k === 'pinning');
  const logDir = o.logDir ?? join(o.workDir, 'logs');
  const podWeight = s.podWeight;
  const undo: Array<() => Promise<void>> = [];
  let slowDisk: SlowDisk | null = null;
  const stopAll = async () => {
    const failures: string[] = [];
    // First, or a stopped writer would sit in uninterruptible sleep until its dirty pages drain through the throttle.
    await slowDisk?.liftThrottle().catch((error: Error) => failures.push(error.message));
    for (const step of undo.splice(0).reverse()) await step().catch((error: Error) => failures.push(error.message));
    if (failures.length > 0) throw new EnvironmentError(`contention cleanup for tier ${o.tier} failed: ${failures.join('; ')}`);
  };

  try {
    if (s.slowDisk) {
      const created = await createSlowDisk({
        runId: o.runId,
        dir: o.slowDiskDir ?? dirname(o.workDir),
        writeIops: s.slowDisk.writeIops,
        writeBytesPerSecond: s.slowDisk.writeMBps === undefined ? undefined : Math.round(s.slowDisk.writeMBps * 1024 * 1024),
        dirtyLimitBytes: s.slowDisk.dirtyLimitMB === undefined ? undefined : Math.round(s.slowDisk.dirtyLimitMB * 1024 * 1024),
      });
      slowDisk = created;
      undo.push(() => created.remove());
    }
    const pods = affinityOnly
      ? createAffinityGroup(o.runId, 'pods', s.pinning?.podCpus ?? null)
      : await createPodCgroup(o.runId, 'pods', {
          cpuQuotaCores: s.cpuQuotaCores,
          cpuPeriodUs: s.cpuPeriodUs,
          weight: podWeight,
          cpus: s.pinning?.podCpus,
          support,
        });
    undo.push(() => pods.remove());
    let loadgen: PodCgroup | null = null;
    if (s.pinning) {
      const created = affinityOnly ? createAffinityGroup(o.runId, 'loadgen', s.pinning.loadgenCpus) : await createPodCgroup(o.runId, 'loadgen', { cpus: s.pinning.loadgenCpus, support });
      loadgen = created;
      undo.push(() => created.remove());
    }
    let cpuNeighbour: CpuNeighbour | null = null;
    if (s.cpuNeighbour) {
      const n = s.cpuNeighbour;
      const started = await startCpuNeighbour({
        runId: o.runId,
        logDir,
        dutyPct: n.dutyPct,
        periodMs: n.periodMs,
        workers: n.workers,
        cpus: s.pinning?.podCpus,
        weight: n.weight ?? podWeight,
        implementation: n.implementation,
        support,
      });
      cpuNeighbour = started;
      undo.push(() => started.stop());
    }
    let ioNeighbour: IoNeighbour | null = null;
    if (s.ioNeighbour) {
      const n = s.ioNeighbour;
      const started = await startIoNeighbour({
        runId: o.runId,
        logDir,
        dir: slowDisk?.settings.mountPoint ?? o.workDir,
        fsync: n.fsync ?? true,
        writers: n.writers,
        blockBytes: n.blockBytes,
        fileBytes: n.fileBytes,
        direct: n.direct,
        implementation: n.implementation,
        support,
      });
      ioNeighbour = started;
      undo.push(() => started.stop());
    }

    let stopping: Promise<void> | undefined;
    return {
      pods,
      loadgen,
      record: {
        tier: o.tier,
        settings: s,
        cgroupSupport: affinityOnly ? `pinning by CPU affinity (taskset), no cgroups: ${support.unavailableReason ?? 'cgroups are not available'}` : support.summary,
        pinningNote: auto?.note ?? null,
        pods: pods.settings,
        loadgen: loadgen?.settings ?? null,
        cpuNeighbour: cpuNeighbour?.settings ?? null,
        ioNeighbour: ioNeighbour?.settings ?? null,
        slowDisk: slowDisk?.settings ?? null,
      },
      accessLogDir: slowDisk?.settings.mountPoint ?? null,
      readThrottling: () => pods.readThrottling(),
      neighbourPids: async () => [...((await cpuNeighbour?.pids()) ?? []), ...((await ioNeighbour?.pids()) ?? [])],
      stop: () => (stopping ??= stopAll()),
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}
