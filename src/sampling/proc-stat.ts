/**
 * /proc/stat CPU lines: cumulative ticks (USER_HZ, see clockTicksPerSecond) since boot.
 * Fields after the name: user nice system idle iowait irq softirq steal guest guest_nice.
 * Older kernels print fewer columns; missing ones read as 0.
 */

export interface CpuTicks {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  /** Already included in `user`; kept for reference, never added to totals. */
  guest: number;
  /** Already included in `nice`. */
  guestNice: number;
}

export interface ProcStat {
  /** The aggregate `cpu` line (all online CPUs). */
  total: CpuTicks;
  /** `cpu0`, `cpu1`, … in file order; its length is the online CPU count. */
  perCpu: CpuTicks[];
}

const tickFields = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'guest', 'guestNice'] as const;

function parseCpuLine(line: string): CpuTicks {
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const ticks = {} as CpuTicks;
  tickFields.forEach((field, i) => {
    ticks[field] = values[i] ?? 0;
  });
  return ticks;
}

export function parseProcStat(text: string): ProcStat {
  let total: CpuTicks | undefined;
  const perCpu: CpuTicks[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) {
      // The cpu lines come first; nothing after them is needed, so stop reading early.
      if (total) break;
      continue;
    }
    if (line.startsWith('cpu ')) total = parseCpuLine(line);
    else perCpu.push(parseCpuLine(line));
  }
  if (!total) throw new Error('/proc/stat has no aggregate "cpu" line');
  return { total, perCpu };
}

/** Shares of all CPUs' time over a window, in percent; the eight time fields sum to 100. */
export interface CpuWindow {
  userPct: number;
  nicePct: number;
  systemPct: number;
  idlePct: number;
  iowaitPct: number;
  irqPct: number;
  softirqPct: number;
  stealPct: number;
  /** 100 - idle - iowait. */
  busyPct: number;
  /** All CPUs' ticks that elapsed in the window (guest columns excluded: they are inside user/nice). */
  totalTicks: number;
  /**
   * user+nice+system ticks: the part of busy time that the kernel also charges to processes
   * (their utime+stime). irq and softirq are not charged to any process on this kernel, so
   * foreign-CPU math compares this figure, not busyPct, with the processes' ticks.
   */
  userNiceSystemTicks: number;
}

/**
 * Per-field deltas are clamped at 0: per-CPU iowait and idle are known to step backwards
 * occasionally on tickless kernels, and a negative share would be nonsense.
 * When no tick elapsed (snapshots closer than one tick) every share is 0.
 */
export function cpuWindow(before: CpuTicks, after: CpuTicks): CpuWindow {
  const d = (field: keyof CpuTicks): number => Math.max(0, after[field] - before[field]);
  const user = d('user');
  const nice = d('nice');
  const system = d('system');
  const idle = d('idle');
  const iowait = d('iowait');
  const irq = d('irq');
  const softirq = d('softirq');
  const steal = d('steal');
  const totalTicks = user + nice + system + idle + iowait + irq + softirq + steal;
  const pct = (ticks: number): number => (totalTicks > 0 ? (ticks / totalTicks) * 100 : 0);
  return {
    userPct: pct(user),
    nicePct: pct(nice),
    systemPct: pct(system),
    idlePct: pct(idle),
    iowaitPct: pct(iowait),
    irqPct: pct(irq),
    softirqPct: pct(softirq),
    stealPct: pct(steal),
    busyPct: totalTicks > 0 ? 100 - pct(idle) - pct(iowait) : 0,
    totalTicks,
    userNiceSystemTicks: user + nice + system,
  };
}
