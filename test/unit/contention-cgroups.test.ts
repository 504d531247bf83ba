/** The pure parts of contention/: what a host offers, what to write, names, CPU lists, cpu.stat. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkCgroupLimits, cpuControllerWrites, cpusetControllerWrites, quotaUs, weightToShares } from '../../src/backends/local/contention/cgroup-limits.js';
import { cgroupDirName, isNeighbourName, parseCgroupDirName } from '../../src/backends/local/contention/cgroup-names.js';
import { describeCgroupSupport } from '../../src/backends/local/contention/cgroup-support.js';
import { formatCpuList, parseCpuList } from '../../src/backends/local/contention/cpu-list.js';
import { parseCpuStat, throttlingBetween } from '../../src/backends/local/contention/cpu-throttling.js';
import { parseCgroupLayout } from '../../src/sampling/host-facts.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/proc/${name}`, import.meta.url), 'utf8');
const hybrid = parseCgroupLayout({
  mountsText: fixture('mounts.hybrid-kvm.txt'),
  v2ControllersText: fixture('unified-cgroup.controllers.kvm.txt'),
  procCgroupsText: fixture('cgroups.kvm.txt'),
});
const v2 = parseCgroupLayout({ mountsText: fixture('mounts.v2-only.txt'), v2ControllersText: fixture('v2-cgroup.controllers.txt'), procCgroupsText: null });
const v1 = parseCgroupLayout({ mountsText: fixture('mounts.v1-only.txt'), v2ControllersText: null, procCgroupsText: null });
const rootEverywhere = (...mounts: string[]) => ({ isRoot: true, writableMountPoints: mounts });

describe('describeCgroupSupport', () => {
  it('takes cpu and cpuset from v1 on the lab host, and says the unified mount has only hugetlb', () => {
    const s = describeCgroupSupport(hybrid, rootEverywhere('/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpuset'));
    expect(s.cpu).toEqual({ version: 'v1', mountPoint: '/sys/fs/cgroup/cpu' });
    expect(s.cpuset).toEqual({ version: 'v1', mountPoint: '/sys/fs/cgroup/cpuset' });
    expect(s.writable).toBe(true);
    expect(s.unavailableReason).toBeNull();
    expect(s.summary).toContain('cgroup v1 at /sys/fs/cgroup/cpu (cpu.cfs_quota_us/cpu.cfs_period_us, cpu.shares, cpu.stat)');
    expect(s.summary).toContain('The unified (v2) hierarchy at /sys/fs/cgroup/unified offers only hugetlb, so cpu.max and cpu.weight are not available.');
  });

  it('uses cpu.max and cpuset.cpus on a pure v2 host', () => {
    const s = describeCgroupSupport(v2, rootEverywhere('/sys/fs/cgroup'));
    expect(s.cpu).toEqual({ version: 'v2', mountPoint: '/sys/fs/cgroup' });
    expect(s.cpuset).toEqual({ version: 'v2', mountPoint: '/sys/fs/cgroup' });
    expect(s.summary).toContain('cgroup v2 at /sys/fs/cgroup (cpu.max, cpu.weight, cpu.stat)');
  });

  it('finds cpu in a co-mounted v1 hierarchy and falls back to taskset without cpuset', () => {
    const s = describeCgroupSupport(v1, rootEverywhere('/sys/fs/cgroup/cpu,cpuacct'));
    expect(s.cpu).toEqual({ version: 'v1', mountPoint: '/sys/fs/cgroup/cpu,cpuacct' });
    expect(s.cpuset).toBeNull();
    expect(s.summary).toContain('pinning falls back to taskset');
  });

  it('says why cgroups cannot be used: not root, read-only, no cpu controller', () => {
    expect(describeCgroupSupport(hybrid, { isRoot: false, writableMountPoints: [] }).unavailableReason).toMatch(/needs root/);
    const readOnly = describeCgroupSupport(hybrid, rootEverywhere('/sys/fs/cgroup/cpu'));
    expect(readOnly.writable).toBe(false);
    expect(readOnly.unavailableReason).toBe('cgroup mount(s) not writable: /sys/fs/cgroup/cpuset');
    const none = describeCgroupSupport(parseCgroupLayout({ mountsText: '', v2ControllersText: null, procCgroupsText: null }), rootEverywhere());
    expect(none.cpu).toBeNull();
    expect(none.summary).toMatch(/Cannot create cgroups: no cgroup hierarchy offers the cpu controller\.$/);
  });
});

describe('cgroup limits', () => {
  it('writes period before quota on v1, with shares for the weight', () => {
    expect(cpuControllerWrites('v1', { cpuQuotaCores: 0.2, weight: 100 })).toEqual([
      { file: 'cpu.cfs_period_us', value: '100000' },
      { file: 'cpu.cfs_quota_us', value: '20000' },
      { file: 'cpu.shares', value: '1024' },
    ]);
    expect(cpuControllerWrites('v1', {})).toContainEqual({ file: 'cpu.cfs_quota_us', value: '-1' });
  });

  it('writes cpu.max and cpu.weight on v2', () => {
    expect(cpuControllerWrites('v2', { cpuQuotaCores: 1.5, cpuPeriodUs: 50_000, weight: 200 })).toEqual([
      { file: 'cpu.max', value: '75000 50000' },
      { file: 'cpu.weight', value: '200' },
    ]);
    expect(cpuControllerWrites('v2', {})[0]).toEqual({ file: 'cpu.max', value: 'max 100000' });
  });

  it('copies mems on v1 cpusets only', () => {
    expect(cpusetControllerWrites('v1', [0, 1, 3], '0\n')).toEqual([
      { file: 'cpuset.cpus', value: '0-1,3' },
      { file: 'cpuset.mems', value: '0' },
    ]);
    expect(cpusetControllerWrites('v2', [1], '')).toEqual([{ file: 'cpuset.cpus', value: '1' }]);
  });

  it('maps weights to shares within the kernel range', () => {
    expect(weightToShares(100)).toBe(1024);
    expect(weightToShares(1)).toBe(10);
    expect(weightToShares(10_000)).toBe(102_400);
    expect(quotaUs(0.25, 100_000)).toBe(25_000);
  });

  it('lists every problem at once', () => {
    expect(checkCgroupLimits({ cpuQuotaCores: 0.005, weight: 0, cpus: [], cpuPeriodUs: 100_000 })).toEqual([
      'cpuQuotaCores 0.005 gives less than 1 ms per 100000 µs period (the kernel\'s minimum)',
      'weight must be an integer from 1 to 10000 (100 = an ordinary process), got 0',
      'cpus must name at least one CPU',
    ]);
    expect(checkCgroupLimits({ cpuQuotaCores: -1 })).toEqual(['cpuQuotaCores must be > 0, got -1']);
    expect(checkCgroupLimits({ cpuQuotaCores: 0.5, weight: 100, cpus: [0] })).toEqual([]);
  });
});

describe('cgroup names', () => {
  it('round-trips run id and name, and marks neighbours', () => {
    const name = cgroupDirName('tiers-20261126-020304-ab12', 'neighbour-cpu');
    expect(name).toBe('meshbench_tiers-20261126-020304-ab12_neighbour-cpu');
    expect(parseCgroupDirName(name)).toEqual({ runId: 'tiers-20261126-020304-ab12', name: 'neighbour-cpu' });
    expect(isNeighbourName('neighbour-cpu')).toBe(true);
    expect(isNeighbourName('pods')).toBe(false);
  });

  it('refuses names that would not parse back, and ignores foreign directories', () => {
    expect(() => cgroupDirName('a_b', 'pods')).toThrow(/cannot name a cgroup/);
    expect(() => cgroupDirName('run', 'a/b')).toThrow(/may only contain/);
    expect(parseCgroupDirName('labpod')).toBeNull();
    expect(parseCgroupDirName('meshbench_only-one-part')).toBeNull();
  });
});

describe('CPU lists', () => {
  it('parses and formats the kernel notation', () => {
    expect(parseCpuList('0-2,5\n')).toEqual([0, 1, 2, 5]);
    expect(parseCpuList('')).toEqual([]);
    expect(formatCpuList([5, 0, 2, 1, 1])).toBe('0-2,5');
    expect(() => parseCpuList('3-1')).toThrow(/backwards/);
    expect(() => parseCpuList('a')).toThrow(/not a CPU list/);
  });
});

describe('cpu.stat', () => {
  it('reads v1 (throttled_time in ns) and v2 (throttled_usec)', () => {
    expect(parseCpuStat('nr_periods 100\nnr_throttled 99\nthrottled_time 3502000000\nnr_bursts 0\nburst_time 0\n')).toEqual({
      periods: 100,
      throttledPeriods: 99,
      throttledMs: 3502,
      throttledPct: 99,
    });
    const v2Text = 'usage_usec 5000\nuser_usec 4000\nsystem_usec 1000\nnr_periods 10\nnr_throttled 5\nthrottled_usec 250000\n';
    expect(parseCpuStat(v2Text)).toEqual({ periods: 10, throttledPeriods: 5, throttledMs: 250, throttledPct: 50 });
    expect(parseCpuStat('')).toEqual({ periods: 0, throttledPeriods: 0, throttledMs: 0, throttledPct: 0 });
  });

  it('diffs two readings', () => {
    const before = parseCpuStat('nr_periods 10\nnr_throttled 2\nthrottled_time 1000000\n');
    const after = parseCpuStat('nr_periods 110\nnr_throttled 52\nthrottled_time 901000000\n');
    expect(throttlingBetween(before, after)).toEqual({ periods: 100, throttledPeriods: 50, throttledMs: 900, throttledPct: 50 });
  });
});
