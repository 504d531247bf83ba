/**
 * Snapshots of the node and of the trial's process trees, and the figures for the window
 * between two of them.
 *
 * Process accounting rules:
 * - A process belongs to the component whose root is its nearest ancestor among all
 *   components' roots, so a proxy started by the harness is counted once, as the proxy.
 * - A process is matched across snapshots by pid and start time (a reused pid is a new process).
 * - A process that appears during the window counts from 0: all its CPU so far was spent
 *   inside the window.
 * - A process that vanishes during the window counts up to its last reading, which for a
 *   two-snapshot diff is the `before` one, so it adds nothing; what it used after that is
 *   lost and shows up as foreign CPU. Diffing consecutive 1 s samples bounds that loss to a
 *   second of the process's life.
 * - A process present only in `after` that started before `before` was taken (its component
 *   was not passed to the earlier snapshot) has no baseline and counts 0, rather than its
 *   whole lifetime.
 */
import type { NodeWindow, ProcessFigures, ProcessRole } from '../results/schema.js';
import { diskWindow, parseDiskstats, type DiskStat } from './diskstats.js';
import { parseMeminfo, type Meminfo } from './meminfo.js';
import { parsePidStat, parsePidStatus } from './pid-stat.js';
import { parsePressure, pressureWindow, type Pressure, type PressureResource } from './pressure.js';
import { cpuWindow, parseProcStat, type ProcStat } from './proc-stat.js';
import { ProcSession, childrenByParent, collectTree, defaultProcRoot, isPressureUnavailableError } from './proc-reader.js';
import { parseUptimeSeconds } from './uptime.js';
import { readProcessSchedstat } from './task-schedstat.js';

/** One component of the trial; structurally the same as the backends' Component. */
export interface ProcessGroup {
  name: string;
  role: ProcessRole;
  pod: string;
  program: string;
  rootPid: number;
}

export interface ProcessReading {
  pid: number;
  ppid: number;
  comm: string;
  startTimeTicks: number;
  /** utime + stime, all threads (dead ones included), in clock ticks. */
  cpuTicks: number;
  /** Sum of the live threads' scheduler runtime in ns (task-schedstat.ts); null where unavailable. */
  cpuNs: number | null;
  /** Sum of the live threads' run-queue wait in ns; null where unavailable. */
  runQueueNs: number | null;
  vmRssBytes: number;
  vmHwmBytes: number;
}

export interface GroupReading extends ProcessGroup {
  /** Empty when the root has exited. */
  processes: ProcessReading[];
}

export interface Snapshot {
  /** performance.now() just before the host counters were read. */
  monotonicMs: number;
  /** Seconds since boot, on the clock that process start times use. */
  uptimeSeconds: number;
  cpu: ProcStat;
  memory: Meminfo;
  /** null per resource when the kernel has no PSI. */
  pressure: Record<PressureResource, Pressure | null>;
  disks: DiskStat[];
  groups: GroupReading[];
}

export interface SnapshotOptions {
  procRoot?: string;
  /**
   * Keep one session across snapshots (the sampler does): files stay open and only new
   * PIDs' stat files are read to find the trees. Without one, every snapshot opens every
   * file and scans all processes.
   */
  session?: ProcSession;
}

export async function takeSnapshot(groups: readonly ProcessGroup[], options: SnapshotOptions = {}): Promise<Snapshot> {
  if (options.session && options.procRoot !== undefined && options.procRoot !== options.session.procRoot) {
    throw new Error("takeSnapshot: procRoot differs from the session's procRoot");
  }
  const roots = new Set(groups.map((group) => group.rootPid));
  if (roots.size !== groups.length) throw new Error('takeSnapshot: two groups share a rootPid; each process must be counted once');
  const session = options.session ?? new ProcSession(options.procRoot ?? defaultProcRoot);
  try {
    return await readSnapshot(groups, roots, session);
  } finally {
    if (options.session) session.releaseUnread();
    else session.close();
  }
}

async function readSnapshot(groups: readonly ProcessGroup[], roots: ReadonlySet<number>, session: ProcSession): Promise<Snapshot> {
  const monotonicMs = performance.now();
  const cpu = parseProcStat(session.readHostText('stat'));
  // Read before the process listing, so anything missing from the listing started after it.
  const uptimeSeconds = parseUptimeSeconds(session.readHostText('uptime'));
  const memory = parseMeminfo(session.readHostText('meminfo'));
  const pressure = { cpu: readPressure(session, 'cpu'), io: readPressure(session, 'io'), memory: readPressure(session, 'memory') };
  const disks = parseDiskstats(session.readHostText('diskstats'));

  const parentByPid = await session.refreshParents();
  const children = childrenByParent(parentByPid);
  const groupReadings: GroupReading[] = [];
  for (const group of groups) {
    const processes: ProcessReading[] = [];
    if (parentByPid.has(group.rootPid)) {
      const otherRoots = new Set([...roots].filter((pid) => pid !== group.rootPid));
      for (const pid of collectTree(group.rootPid, children, otherRoots)) {
        const statText = session.readProcessText(pid, 'stat');
        if (statText === null) continue;
        const stat = parsePidStat(statText);
        session.rememberParent(pid, stat.ppid);
        // Gone between the two reads: its CPU reading is still valid, its memory is freed.
        const statusText = session.readProcessText(pid, 'status');
        const status = statusText === null ? null : parsePidStatus(statusText);
        processes.push({
          pid,
          ppid: stat.ppid,
          comm: stat.comm,
          startTimeTicks: stat.startTimeTicks,
          cpuTicks: stat.utimeTicks + stat.stimeTicks,
          ...schedstatOf(session.procRoot, pid),
          vmRssBytes: status?.vmRssBytes ?? 0,
          vmHwmBytes: status?.vmHwmBytes ?? 0,
        });
      }
    }
    groupReadings.push({ ...copyGroup(group), processes });
  }
  return { monotonicMs, uptimeSeconds, cpu, memory, pressure, disks, groups: groupReadings };
}

function schedstatOf(procRoot: string, pid: number): { cpuNs: number | null; runQueueNs: number | null } {
  const read = readProcessSchedstat(procRoot, pid);
  return { cpuNs: read?.runtimeNs ?? null, runQueueNs: read?.runQueueNs ?? null };
}

/** null when the kernel has no PSI (see readPressure in proc-reader). */
function readPressure(session: ProcSession, resource: PressureResource): Pressure | null {
  try {
    return parsePressure(session.readHostText(`pressure/${resource}`));
  } catch (error) {
    if (isPressureUnavailableError(error)) return null;
    throw error;
  }
}

/** Copies only the known fields, so a caller's richer object (a backend Component) is not kept alive in snapshots. */
function copyGroup(group: ProcessGroup): ProcessGroup {
  return { name: group.name, role: group.role, pod: group.pod, program: group.program, rootPid: group.rootPid };
}

export interface WindowFigures {
  node: NodeWindow;
  /** One entry per group of the `after` snapshot, in its order. */
  processes: ProcessFigures[];
}

/**
 * Node and per-component figures for the window between two snapshots. Memory figures are
 * the values at the end of the window. Component CPU is the scheduler's runtime in ns; foreign
 * CPU is the host's busy time minus the components', unclamped (see below).
 */
export function diffSnapshots(before: Snapshot, after: Snapshot, clkTck: number): WindowFigures {
  const windowMs = after.monotonicMs - before.monotonicMs;
  if (!(windowMs > 0)) throw new Error('diffSnapshots: "after" must be taken later than "before"');

  const beforeByPid = new Map<number, ProcessReading>();
  for (const group of before.groups) for (const reading of group.processes) beforeByPid.set(reading.pid, reading);
  const beforeGroupByName = new Map(before.groups.map((group) => [group.name, group]));
  // One tick of slack: start times are truncated to whole ticks and uptime to centiseconds.
  const windowStartTicks = Math.floor(before.uptimeSeconds * clkTck) - 1;

  /**
   * CPU seconds a process used in the window: scheduler nanoseconds when both readings have
   * them, unless its ticks say more by over two ticks (threads that exited in the window carry
   * their time only into the tick figure); ticks otherwise.
   */
  const secondsInWindow = (reading: ProcessReading): number => {
    const previous = beforeByPid.get(reading.pid);
    if (previous && previous.startTimeTicks === reading.startTimeTicks) {
      const tickSeconds = Math.max(0, reading.cpuTicks - previous.cpuTicks) / clkTck;
      if (reading.cpuNs === null || previous.cpuNs === null) return tickSeconds;
      const nsSeconds = Math.max(0, reading.cpuNs - previous.cpuNs) / 1e9;
      return tickSeconds > nsSeconds + 2 / clkTck ? tickSeconds : nsSeconds;
    }
    // Started inside the window: everything it used so far counts.
    if (reading.startTimeTicks >= windowStartTicks) return reading.cpuNs !== null ? Math.max(reading.cpuNs / 1e9, (reading.cpuTicks - 2) / clkTck) : reading.cpuTicks / clkTck;
    return 0;
  };

  let componentSeconds = 0;
  const windowSeconds = windowMs / 1000;
  const processes: ProcessFigures[] = after.groups.map((group) => {
    let cpuSeconds = 0;
    let runQueueWaitSeconds: number | null = 0;
    let rssPeakBytes = 0;
    let rssEndBytes = 0;
    const pids = new Set<number>();
    for (const reading of group.processes) {
      cpuSeconds += secondsInWindow(reading);
      const previous = beforeByPid.get(reading.pid);
      if (runQueueWaitSeconds !== null)
        runQueueWaitSeconds =
          reading.runQueueNs === null ? null : runQueueWaitSeconds + Math.max(0, reading.runQueueNs - (previous && previous.startTimeTicks === reading.startTimeTicks ? (previous.runQueueNs ?? reading.runQueueNs) : 0)) / 1e9;
      rssPeakBytes += reading.vmHwmBytes;
      rssEndBytes += reading.vmRssBytes;
      pids.add(reading.pid);
    }
    // Vanished processes stay listed: they were part of the component during the window.
    for (const reading of beforeGroupByName.get(group.name)?.processes ?? []) pids.add(reading.pid);
    componentSeconds += cpuSeconds;
    return {
      name: group.name,
      role: group.role,
      pod: group.pod,
      program: group.program,
      pids: [...pids].sort((a, b) => a - b),
      cpuSeconds,
      cpuPctOfCore: (cpuSeconds / windowSeconds) * 100,
      rssPeakBytes,
      rssEndBytes,
      runQueueWaitSeconds: group.processes.length ? runQueueWaitSeconds : null,
    };
  });

  const cpu = cpuWindow(before.cpu.total, after.cpu.total);
  const cpuCount = after.cpu.perCpu.length;
  // Busy CPU time from what the kernel measures precisely (tickless idle and iowait, the steal
  // clock) against the wall clock, instead of the tick-sampled user/system split; softirq run in
  // a process's context is in both this and the process's runtime (no IRQ_TIME_ACCOUNTING), so
  // the difference is CPU used by everything outside the run. Never clamped: a negative value
  // is an accounting error, flagged as such.
  const busySeconds = windowSeconds * cpuCount - cpuWindowIdleSeconds(before.cpu.total, after.cpu.total, clkTck);
  const foreignCpuPct = cpuCount > 0 && windowSeconds > 0 ? ((busySeconds - componentSeconds) / (windowSeconds * cpuCount)) * 100 : 0;
  const psiCpu = pressureWindow(before.pressure.cpu, after.pressure.cpu, windowMs);
  const psiIo = pressureWindow(before.pressure.io, after.pressure.io, windowMs);
  const psiMemory = pressureWindow(before.pressure.memory, after.pressure.memory, windowMs);
  const disk = diskWindow(before.disks, after.disks);

  const node: NodeWindow = {
    windowMs,
    userPct: cpu.userPct,
    nicePct: cpu.nicePct,
    systemPct: cpu.systemPct,
    idlePct: cpu.idlePct,
    iowaitPct: cpu.iowaitPct,
    irqPct: cpu.irqPct,
    softirqPct: cpu.softirqPct,
    stealPct: cpu.stealPct,
    busyPct: cpu.busyPct,
    foreignCpuPct,
    psiCpuSomePct: psiCpu.somePct,
    psiIoSomePct: psiIo.somePct,
    psiIoFullPct: psiIo.fullPct,
    psiMemorySomePct: psiMemory.somePct,
    psiMemoryFullPct: psiMemory.fullPct,
    memTotalBytes: after.memory.memTotalBytes,
    memUsedBytes: after.memory.memUsedBytes,
    memAvailableBytes: after.memory.memAvailableBytes,
    diskReadBytes: disk.readBytes,
    diskWriteBytes: disk.writeBytes,
    cpuCount,
  };
  return { node, processes };
}

/** Idle, iowait and steal seconds of all CPUs between two /proc/stat readings. */
function cpuWindowIdleSeconds(before: ProcStat['total'], after: ProcStat['total'], clkTck: number): number {
  const d = (field: 'idle' | 'iowait' | 'steal') => Math.max(0, after[field] - before[field]);
  return (d('idle') + d('iowait') + d('steal')) / clkTck;
}
