/**
 * Pinning without cgroups (CPU affinity), on real processes: what `pinning: auto` does for a
 * user who may not create cgroups. The cgroup side of pinning is in contention-cgroups.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createAffinityGroup } from '../../src/backends/local/contention/affinity-group.js';
import { allowedCpus } from '../../src/backends/local/contention/auto-pinning.js';
import { detectCgroupSupport, type CgroupSupport } from '../../src/backends/local/contention/cgroup-support.js';
import { parseCpuList } from '../../src/backends/local/contention/cpu-list.js';
import { startTierContention } from '../../src/backends/local/contention/tier-contention.js';
import { EnvironmentError } from '../../src/errors.js';

const cpus = await allowedCpus();
const lastCpu = cpus[cpus.length - 1]!;
// What a non-root user sees: the same layout, but no cgroup may be created.
const notRoot: CgroupSupport = { ...(await detectCgroupSupport()), writable: false, unavailableReason: 'creating cgroups needs root (meshbench runs as another user)' };
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

function start(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  return child;
}

async function affinityOf(pid: number): Promise<number[]> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return parseCpuList(/^Cpus_allowed_list:\s*(.+)$/m.exec(status)![1]!);
}

async function childPidsOf(pid: number): Promise<number[]> {
  for (let i = 0; i < 50; i++) {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
    const pids = text.trim().split(/\s+/).filter(Boolean).map(Number);
    if (pids.length > 0) return pids;
    await new Promise((r) => setTimeout(r, 20));
  }
  return [];
}

describe('CPU affinity groups', () => {
  it('pin a running process and its children, list them, and have nothing to remove', async () => {
    const parent = start('sh', ['-c', 'sleep 60 & sleep 60; wait']);
    const kids = await childPidsOf(parent.pid!);
    expect(kids.length).toBeGreaterThanOrEqual(1);
    const group = createAffinityGroup('it-affinity', 'pods', [lastCpu]);
    const pinned = await group.addPid(parent.pid!);
    expect(pinned).toEqual(expect.arrayContaining([parent.pid!, ...kids]));
    for (const pid of [parent.pid!, ...kids]) expect(await affinityOf(pid)).toEqual([lastCpu]);
    expect(await group.pids()).toEqual(expect.arrayContaining([parent.pid!, ...kids]));
    expect(group.settings).toMatchObject({ cgroupName: null, cpu: null, cpus: [lastCpu], pinnedBy: 'taskset' });
    await expect(group.readThrottling()).rejects.toThrow(/need a cgroup/);
    await group.remove();
    expect(await affinityOf(parent.pid!)).toEqual([lastCpu]);
  });

  it('start a wrapped command already pinned, under its own pid', async () => {
    const group = createAffinityGroup('it-affinity', 'loadgen', [lastCpu]);
    const launch = group.wrapLaunch({ command: 'sh', args: ['-c', 'grep Cpus_allowed_list /proc/self/status'] });
    const child = start(launch.command, launch.args);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => child.on('close', r));
    expect(parseCpuList(out.split(':')[1]!)).toEqual([lastCpu]);
  });

  it('refuse a process that has already exited', async () => {
    const group = createAffinityGroup('it-affinity', 'pods', [lastCpu]);
    const gone = start('true', []);
    await new Promise((r) => gone.on('exit', r));
    for (let i = 0; i < 50 && (await readFile(`/proc/${gone.pid}/status`).then(() => true, () => false)); i++) await new Promise((r) => setTimeout(r, 20));
    await expect(group.addPid(gone.pid!)).rejects.toThrow(/has exited/);
  });
});

describe('a tier that asks only for pinning, where cgroups may not be created', () => {
  it('pins by CPU affinity and records what auto chose', async () => {
    const tier = await startTierContention({ runId: 'it-affinity', tier: 'this-host', workDir: '/nonexistent', settings: { pinning: 'auto' }, support: notRoot, availableCpus: [0, lastCpu === 0 ? 0 : lastCpu] });
    const pod = start('sleep', ['60']);
    await tier.pods.addPid(pod.pid!);
    if (lastCpu === 0) {
      expect(tier.record.pinningNote).toBe('pinning auto: this host offers CPU 0, so nothing is pinned');
      expect(tier.loadgen).toBeNull();
    } else {
      expect(tier.record.pinningNote).toBe(`pinning auto: this host offers CPUs 0,${lastCpu}; pods on 0, load generator on ${lastCpu}`.replace('0,1', '0-1'));
      expect(tier.record.settings.pinning).toEqual({ podCpus: [0], loadgenCpus: [lastCpu] });
      expect(await affinityOf(pod.pid!)).toEqual([0]);
      expect(tier.loadgen?.settings.cpus).toEqual([lastCpu]);
    }
    expect(tier.record.cgroupSupport).toMatch(/^pinning by CPU affinity \(taskset\), no cgroups: creating cgroups needs root/);
    await tier.stop();
  });

  it('on one CPU pins nothing and leaves processes where they were', async () => {
    const tier = await startTierContention({ runId: 'it-affinity', tier: 'this-host', workDir: '/nonexistent', settings: { pinning: 'auto' }, support: notRoot, availableCpus: [0] });
    const pod = start('sleep', ['60']);
    const before = await affinityOf(pod.pid!);
    expect(await tier.pods.addPid(pod.pid!)).toEqual([pod.pid!]);
    expect(await affinityOf(pod.pid!)).toEqual(before);
    expect(tier.record.settings.pinning).toBeUndefined();
    await tier.stop();
  });

  it('still refuses anything that needs cgroups, naming why', async () => {
    const attempt = startTierContention({ runId: 'it-affinity', tier: 'shared', workDir: '/nonexistent', settings: { pinning: 'auto', cpuQuotaCores: 0.5 }, support: notRoot, availableCpus: [0, 1] });
    await expect(attempt).rejects.toBeInstanceOf(EnvironmentError);
    await expect(attempt).rejects.toThrow(/needs root/);
  });
});
