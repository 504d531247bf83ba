import { readFileSync } from 'node:fs';
import si from 'systeminformation';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hostFactsSchema } from '../../src/results/schema.js';
import { collectHostFacts, describeVirtualization, detectCgroup, parseCgroupLayout } from '../../src/sampling/host-facts.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/proc/${name}`, import.meta.url), 'utf8');

afterEach(() => {
  vi.restoreAllMocks();
});

describe('parseCgroupLayout', () => {
  it('reads this host as hybrid: v1 controllers plus a unified mount holding only hugetlb', () => {
    const layout = parseCgroupLayout({
      mountsText: fixture('mounts.hybrid-kvm.txt'),
      v2ControllersText: fixture('unified-cgroup.controllers.kvm.txt'),
      procCgroupsText: fixture('cgroups.kvm.txt'),
    });
    expect(layout.version).toBe('hybrid');
    expect(layout.controllers).toEqual(['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'pids', 'v2:hugetlb']);
    expect(layout.v1MountPoints.cpu).toBe('/sys/fs/cgroup/cpu');
    expect(layout.v2MountPoint).toBe('/sys/fs/cgroup/unified');
    expect(layout.v2Controllers).toEqual(['hugetlb']);
  });

  it('reads a pure v2 host', () => {
    const layout = parseCgroupLayout({
      mountsText: fixture('mounts.v2-only.txt'),
      v2ControllersText: fixture('v2-cgroup.controllers.txt'),
      procCgroupsText: null,
    });
    expect(layout.version).toBe('v2');
    expect(layout.controllers).toEqual(['cpu', 'cpuset', 'hugetlb', 'io', 'memory', 'misc', 'pids', 'rdma']);
    expect(layout.v2MountPoint).toBe('/sys/fs/cgroup');
  });

  it('reads a v1 host with co-mounted controllers and ignores name=systemd', () => {
    const layout = parseCgroupLayout({ mountsText: fixture('mounts.v1-only.txt'), v2ControllersText: null, procCgroupsText: null });
    expect(layout.version).toBe('v1');
    expect(layout.controllers).toEqual(['cpu', 'cpuacct', 'memory', 'pids']);
    expect(layout.v1MountPoints.cpuacct).toBe('/sys/fs/cgroup/cpu,cpuacct');
  });

  it('reports none without cgroup mounts', () => {
    expect(parseCgroupLayout({ mountsText: 'proc /proc proc rw 0 0\n', v2ControllersText: null, procCgroupsText: null }).version).toBe('none');
  });

  it('detects this machine', async () => {
    const layout = await detectCgroup();
    expect(['v1', 'v2', 'hybrid', 'none']).toContain(layout.version);
  });
});

describe('describeVirtualization', () => {
  it('prefers systemd-detect-virt and names both layers when nested', () => {
    expect(describeVirtualization({ detectVirtVm: 'kvm', detectVirtContainer: 'docker' })).toBe('kvm+docker');
    expect(describeVirtualization({ detectVirtVm: 'kvm', detectVirtContainer: 'none', cpuinfoHypervisorFlag: true })).toBe('kvm');
    expect(describeVirtualization({ detectVirtVm: 'none', detectVirtContainer: 'none', cpuinfoHypervisorFlag: true })).toBeNull();
  });

  it('falls back to systeminformation, DMI, then the hypervisor CPU flag', () => {
    expect(describeVirtualization({ siVirtualHost: 'KVM' })).toBe('kvm');
    expect(describeVirtualization({ dmiSysVendor: 'Amazon EC2\n' })).toBe('amazon');
    expect(describeVirtualization({ dmiSysVendor: 'Dell Inc.', cpuinfoHypervisorFlag: true })).toBe('hypervisor (type unknown)');
    expect(describeVirtualization({ dmiSysVendor: 'Dell Inc.', cpuinfoHypervisorFlag: false })).toBeNull();
    expect(describeVirtualization({})).toBe('unknown');
  });
});

describe('collectHostFacts', () => {
  it('collects facts about this machine that fit the result schema', async () => {
    const problems: string[] = [];
    const facts = await collectHostFacts({ proxies: { haproxy: '2.6.12' }, onProblem: (p) => problems.push(p) });
    hostFactsSchema.parse(facts);
    expect(facts.cpuCount).toBeGreaterThan(0);
    expect(facts.memTotalBytes).toBeGreaterThan(0);
    expect(facts.proxies).toEqual({ haproxy: '2.6.12' });
    expect(facts.clockTicksPerSecond).toBeGreaterThan(0);
  });

  it('still returns every fact when systeminformation fails everywhere', async () => {
    for (const name of ['cpu', 'cpuFlags', 'osInfo', 'mem', 'diskLayout', 'system'] as const) {
      vi.spyOn(si, name).mockRejectedValue(new Error(`${name} broke`));
    }
    const problems: string[] = [];
    const facts = await collectHostFacts({ proxies: {}, onProblem: (p) => problems.push(p) });
    hostFactsSchema.parse(facts);
    expect(problems).toContain('systeminformation cpu(): cpu broke');
    expect(problems).toContain('systeminformation mem(): mem broke');
    // The fallbacks (/proc/cpuinfo, os, /sys/block) still find the basics.
    expect(facts.cpuCount).toBeGreaterThan(0);
    expect(facts.memTotalBytes).toBeGreaterThan(0);
    expect(facts.cpuModel).not.toBe('');
  });

  it('gives up on a systeminformation call that hangs', async () => {
    vi.spyOn(si, 'diskLayout').mockReturnValue(new Promise(() => {}));
    const problems: string[] = [];
    const facts = await collectHostFacts({ proxies: {}, onProblem: (p) => problems.push(p), timeoutMs: 200 });
    hostFactsSchema.parse(facts);
    expect(problems.some((p) => p.includes('diskLayout') && p.includes('200 ms'))).toBe(true);
  });
});
