import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diskWindow, parseDiskstats, wholeDiskNames } from '../../src/sampling/diskstats.js';
import { parseMeminfo } from '../../src/sampling/meminfo.js';
import { parsePidStat, parsePidStatus } from '../../src/sampling/pid-stat.js';
import { parsePressure, pressureWindow } from '../../src/sampling/pressure.js';
import { cpuWindow, parseProcStat, type CpuTicks } from '../../src/sampling/proc-stat.js';
import { parseUptimeSeconds } from '../../src/sampling/uptime.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/proc/${name}`, import.meta.url), 'utf8');

const timeSharePct = (w: ReturnType<typeof cpuWindow>): number =>
  w.userPct + w.nicePct + w.systemPct + w.idlePct + w.iowaitPct + w.irqPct + w.softirqPct + w.stealPct;

describe('parseProcStat / cpuWindow', () => {
  it('parses the aggregate and per-CPU lines of this KVM guest', () => {
    const stat = parseProcStat(fixture('stat.kvm-2cpu.before.txt'));
    expect(stat.perCpu).toHaveLength(2);
    expect(stat.total).toEqual({
      user: 5059, nice: 0, system: 2745, idle: 44855, iowait: 218, irq: 0, softirq: 102, steal: 11, guest: 0, guestNice: 0,
    });
    expect(stat.perCpu[1].steal).toBe(7);
  });

  it('gives shares of a real window that sum to 100', () => {
    const w = cpuWindow(parseProcStat(fixture('stat.kvm-2cpu.before.txt')).total, parseProcStat(fixture('stat.kvm-2cpu.after.txt')).total);
    expect(w.totalTicks).toBe(213);
    expect(w.userNiceSystemTicks).toBe(112);
    expect(w.userPct).toBeCloseTo((107 / 213) * 100, 6);
    expect(timeSharePct(w)).toBeCloseTo(100, 6);
    expect(w.busyPct).toBeCloseTo(100 - w.idlePct - w.iowaitPct, 6);
  });

  it('reads 25 % steal from a steal-heavy 4-vCPU guest', () => {
    const before = parseProcStat(fixture('stat.steal-heavy-4cpu.before.txt'));
    const after = parseProcStat(fixture('stat.steal-heavy-4cpu.after.txt'));
    expect(after.perCpu).toHaveLength(4);
    const w = cpuWindow(before.total, after.total);
    expect(w.totalTicks).toBe(400);
    expect(w.stealPct).toBeCloseTo(25, 6);
    expect(w.userPct).toBeCloseTo(35, 6);
    expect(w.systemPct).toBeCloseTo(15, 6);
    expect(w.idlePct).toBeCloseTo(20, 6);
    expect(w.iowaitPct).toBeCloseTo(2, 6);
    expect(w.softirqPct).toBeCloseTo(3, 6);
    expect(w.busyPct).toBeCloseTo(78, 6);
    expect(w.userNiceSystemTicks).toBe(200);
    expect(Math.abs(timeSharePct(w) - 100)).toBeLessThan(0.5);
    // Each vCPU's own window also sums to 100, and the worst one is the most stolen from.
    const perCpu = before.perCpu.map((cpu, i) => cpuWindow(cpu, after.perCpu[i]));
    for (const cpu of perCpu) expect(timeSharePct(cpu)).toBeCloseTo(100, 6);
    expect(perCpu[3].stealPct).toBeCloseTo(28, 6);
  });

  it('does not count guest time twice (it is already inside user)', () => {
    const zero: CpuTicks = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0 };
    const w = cpuWindow(zero, { ...zero, user: 60, guest: 50, idle: 40 });
    expect(w.totalTicks).toBe(100);
    expect(w.userPct).toBe(60);
  });

  it('clamps counters that step backwards and returns zeros for an empty window', () => {
    const t: CpuTicks = { user: 10, nice: 0, system: 10, idle: 100, iowait: 5, irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0 };
    const w = cpuWindow(t, { ...t, iowait: 3, idle: 200 });
    expect(w.iowaitPct).toBe(0);
    expect(w.idlePct).toBe(100);
    const empty = cpuWindow(t, t);
    expect(empty.totalTicks).toBe(0);
    expect(empty.busyPct).toBe(0);
    expect(empty.idlePct).toBe(0);
  });

  it('accepts the shorter lines of old kernels', () => {
    const stat = parseProcStat('cpu  10 0 5 100\ncpu0 10 0 5 100\nintr 1\n');
    expect(stat.total.steal).toBe(0);
    expect(stat.perCpu).toHaveLength(1);
  });

  it('rejects text without a cpu line', () => {
    expect(() => parseProcStat('intr 1\nctxt 2\n')).toThrow(/cpu/);
  });
});

describe('parseMeminfo', () => {
  it('converts kB to bytes and derives used from MemAvailable', () => {
    const m = parseMeminfo(fixture('meminfo.kvm.txt'));
    expect(m.memTotalBytes).toBe(24684096 * 1024);
    expect(m.memAvailableBytes).toBe(24290416 * 1024);
    expect(m.memUsedBytes).toBe((24684096 - 24290416) * 1024);
    expect(m.memFreeBytes).toBe(24003564 * 1024);
    expect(m.cachedBytes).toBe(446380 * 1024);
    expect(m.swapTotalBytes).toBe(0);
    expect(m.memAvailableEstimated).toBe(false);
  });

  it('estimates MemAvailable on kernels that lack it, and says so', () => {
    const m = parseMeminfo('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n');
    expect(m.memAvailableEstimated).toBe(true);
    expect(m.memAvailableBytes).toBe(400 * 1024);
    expect(m.memUsedBytes).toBe(600 * 1024);
  });
});

describe('parsePressure / pressureWindow', () => {
  it('parses some and full lines of this host', () => {
    const p = parsePressure(fixture('pressure-io.kvm.after.txt'));
    expect(p.some).toEqual({ avg10: 0, avg60: 0.09, avg300: 0.2, totalUs: 1741302 });
    expect(p.full?.totalUs).toBe(1423425);
  });

  it('turns total deltas into percent of the window', () => {
    const cpu = pressureWindow(
      parsePressure(fixture('pressure-cpu.contended.before.txt')),
      parsePressure(fixture('pressure-cpu.contended.after.txt')),
      1000,
    );
    expect(cpu.somePct).toBeCloseTo(85, 6);
    expect(cpu.fullPct).toBe(0);
    const io = pressureWindow(parsePressure(fixture('pressure-io.contended.before.txt')), parsePressure(fixture('pressure-io.contended.after.txt')), 1000);
    expect(io.somePct).toBeCloseTo(12, 6);
    expect(io.fullPct).toBeCloseTo(6, 6);
    // Same stall over a 2 s window is half the share.
    expect(
      pressureWindow(parsePressure(fixture('pressure-io.contended.before.txt')), parsePressure(fixture('pressure-io.contended.after.txt')), 2000).somePct,
    ).toBeCloseTo(6, 6);
  });

  it('has no full line for cpu on kernels before 5.13: full is null, not 0', () => {
    const p = parsePressure(fixture('pressure-cpu.no-full-line.txt'));
    expect(p.full).toBeUndefined();
    expect(pressureWindow(p, p, 1000)).toEqual({ somePct: 0, fullPct: null });
  });

  it('gives null when a reading is missing (no PSI on this kernel)', () => {
    expect(pressureWindow(null, parsePressure(fixture('pressure-cpu.kvm.after.txt')), 1000)).toEqual({ somePct: null, fullPct: null });
  });

  it('clamps to 0..100', () => {
    const p = (us: number) => parsePressure(`some avg10=0 avg60=0 avg300=0 total=${us}`);
    expect(pressureWindow(p(0), p(1_000_100), 1000).somePct).toBe(100);
    expect(pressureWindow(p(500), p(0), 1000).somePct).toBe(0);
  });
});

describe('parseDiskstats / wholeDiskNames / diskWindow', () => {
  it('parses 20-field lines of this host', () => {
    const disks = parseDiskstats(fixture('diskstats.kvm.after.txt'));
    const vda = disks.find((d) => d.name === 'vda');
    expect(vda).toEqual({ major: 254, minor: 0, name: 'vda', readsCompleted: 30525, readSectors: 1404530, writesCompleted: 4266, writeSectors: 1279152 });
  });

  it('counts only vda here, in 512-byte sectors (a 64 MiB direct write happened in the window)', () => {
    const w = diskWindow(parseDiskstats(fixture('diskstats.kvm.before.txt')), parseDiskstats(fixture('diskstats.kvm.after.txt')));
    expect(w.disks).toEqual(['vda']);
    expect(w.writeBytes).toBe((1279152 - 1148032) * 512);
    expect(w.writeBytes).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    expect(w.readBytes).toBe((1404530 - 1404026) * 512);
  });

  it('sums whole disks only: no partitions, no loop/ram/zram, no dm/md stacked on disks', () => {
    const w = diskWindow(parseDiskstats(fixture('diskstats.mixed.before.txt')), parseDiskstats(fixture('diskstats.mixed.after.txt')));
    expect(w.disks).toEqual(['sda', 'nvme0n1', 'mmcblk0', 'sr0']);
    // sda 1 MiB + nvme0n1 4 MiB read; sda 2 MiB + nvme0n1 8 MiB + mmcblk0 0.5 MiB written.
    expect(w.readBytes).toBe(5 * 1024 * 1024);
    expect(w.writeBytes).toBe(10.5 * 1024 * 1024);
  });

  it('follows the kernel partition naming rule', () => {
    const names = ['sda', 'sda1', 'sda15', 'sdp', 'sdp1', 'sdaa', 'nvme0n1', 'nvme0n1p1', 'nvme0n10', 'mmcblk0', 'mmcblk0p2', 'xvda', 'xvda1', 'vdb', 'md127', 'dm-3', 'loop0', 'loop0p1', 'ram15', 'zram0'];
    expect(wholeDiskNames(names)).toEqual(['sda', 'sdp', 'sdaa', 'nvme0n1', 'nvme0n10', 'mmcblk0', 'xvda', 'vdb']);
  });

  it('ignores devices missing from one reading and counters that went backwards', () => {
    const line = (name: string, read: number, write: number) => `8 0 ${name} 1 0 ${read} 0 1 0 ${write} 0 0 0 0`;
    const before = parseDiskstats([line('sda', 1000, 1000), line('sdb', 50, 50)].join('\n'));
    const after = parseDiskstats([line('sda', 10, 2000), line('sdc', 999, 999)].join('\n'));
    const w = diskWindow(before, after);
    expect(w).toEqual({ readBytes: 0, writeBytes: 1000 * 512, disks: ['sda'] });
  });
});

describe('parsePidStat / parsePidStatus', () => {
  it('parses a node process of this host', () => {
    expect(parsePidStat(fixture('pid-stat.node.txt'))).toEqual({
      pid: 5780, comm: 'node', state: 'R', ppid: 5778, pgrp: 5778, utimeTicks: 135, stimeTicks: 0, threads: 7, startTimeTicks: 26707, rssPages: 11524,
    });
    expect(parsePidStatus(fixture('pid-status.node.txt'))).toEqual({ vmRssBytes: 46408 * 1024, vmHwmBytes: 46408 * 1024, threads: 7 });
  });

  it('parses a comm that contains spaces and parentheses from the last ")"', () => {
    const stat = parsePidStat(fixture('pid-stat.comm-with-parens.txt'));
    expect(stat.comm).toBe('a) b (c)');
    expect(stat).toMatchObject({ pid: 4242, state: 'S', ppid: 4200, utimeTicks: 1234, stimeTicks: 567, threads: 3, startTimeTicks: 987654, rssPages: 2500 });
  });

  it('gives 0 memory for a kernel thread, which has no VmRSS line', () => {
    expect(parsePidStat(fixture('pid-stat.kthreadd.txt'))).toMatchObject({ pid: 2, comm: 'kthreadd', ppid: 0, rssPages: 0 });
    expect(parsePidStatus(fixture('pid-status.kthreadd.txt'))).toEqual({ vmRssBytes: 0, vmHwmBytes: 0, threads: 1 });
  });

  it('rejects truncated text', () => {
    expect(() => parsePidStat('123 (x) S 1 2')).toThrow(/field/);
    expect(() => parsePidStat('garbage')).toThrow();
  });
});

describe('parseUptimeSeconds', () => {
  it('reads the first number', () => {
    expect(parseUptimeSeconds(fixture('uptime.kvm.txt'))).toBe(260.84);
  });
});

describe('task schedstat', () => {
  it('reads the runtime in ns, the first of the three fields', async () => {
    const { parseSchedstatRuntimeNs, readProcessRuntimeNs } = await import('../../src/sampling/task-schedstat.js');
    expect(parseSchedstatRuntimeNs('893358 0 2\n')).toBe(893358);
    expect(() => parseSchedstatRuntimeNs('garbage')).toThrow(/schedstat/);
    // This very process: at least the CPU it has used so far, read from the real /proc.
    const ns = readProcessRuntimeNs('/proc', process.pid)!;
    const used = process.cpuUsage();
    expect(ns / 1000).toBeGreaterThanOrEqual((used.user + used.system) * 0.5);
    expect(readProcessRuntimeNs('/proc', 2 ** 30)).toBeNull();
  });
});
