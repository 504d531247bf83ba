/**
 * Real cgroups on this host (root needed): a pod cgroup gets its quota, weight and CPU set,
 * holds whole process trees, throttles a busy child, and leaves nothing behind.
 * Assertions are about behaviour, never speed: the machine has 2 cores shared with others.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { detectCgroupSupport } from '../../src/backends/local/contention/cgroup-support.js';
import { throttlingBetween } from '../../src/backends/local/contention/cpu-throttling.js';
import { findContentionLeftovers } from '../../src/backends/local/contention/leftovers.js';
import { createPodCgroup, type PodCgroup } from '../../src/backends/local/contention/pod-cgroup.js';
import { Supervisor } from '../../src/backends/local/supervisor.js';

const support = await detectCgroupSupport();
const canUseCgroups = support.writable && support.cpu !== null;
const skipReason = canUseCgroups ? '' : ` (skipped: ${support.unavailableReason})`;

const runId = `it-cgroups-${process.pid}`;
const children: ChildProcess[] = [];
const cgroups: PodCgroup[] = [];
const supervisors: Supervisor[] = [];
let workDir: string | undefined;

afterEach(async () => {
  // A failed assertion must leave neither processes nor cgroups.
  for (const s of supervisors.splice(0)) await s.stopAll();
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const g of cgroups.splice(0)) await g.remove();
});

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
  if (canUseCgroups) expect((await findContentionLeftovers(runId, { support })).cgroups).toEqual([]);
});

function busyChild(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

/** utime + stime of a process, in clock ticks (100 per second here). */
function cpuTicks(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** The cgroup path of a process in one v1/v2 hierarchy, e.g. "/" or "/meshbench_x_pods". */
function cgroupOf(pid: number, controller: 'cpu' | 'cpuset'): string {
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const [, controllers, path] = line.split(':');
    if (support.cpu?.version === 'v2' ? line.startsWith('0::') : controllers?.split(',').includes(controller)) return path!;
  }
  throw new Error(`no ${controller} line in /proc/${pid}/cgroup`);
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe(`pod cgroups on this host${skipReason}`, () => {
  it.skipIf(!canUseCgroups)('writes quota, weight and CPU set into the files, and removes the directories', async () => {
    const pods = await createPodCgroup(runId, 'files', { cpuQuotaCores: 0.5, weight: 50, cpus: [0], support });
    cgroups.push(pods);
    const cpuDir = pods.settings.cpu!.path;
    expect(cpuDir).toBe(join(support.cpu!.mountPoint, `meshbench_${runId}_files`));
    if (pods.settings.cpu!.version === 'v1') {
      expect(readFileSync(join(cpuDir, 'cpu.cfs_quota_us'), 'utf8').trim()).toBe('50000');
      expect(readFileSync(join(cpuDir, 'cpu.cfs_period_us'), 'utf8').trim()).toBe('100000');
      expect(readFileSync(join(cpuDir, 'cpu.shares'), 'utf8').trim()).toBe('512');
    } else {
      expect(readFileSync(join(cpuDir, 'cpu.max'), 'utf8').trim()).toBe('50000 100000');
    }
    if (pods.settings.cpuset) expect(readFileSync(join(pods.settings.cpuset.path, 'cpuset.cpus'), 'utf8').trim()).toBe('0');
    expect((await findContentionLeftovers(runId, { support })).cgroups.map((c) => c.name)).toContain('files');

    await pods.remove();
    await pods.remove(); // safe twice
    expect(existsSync(cpuDir)).toBe(false);
    if (pods.settings.cpuset) expect(existsSync(pods.settings.cpuset.path)).toBe(false);
  });

  it.skipIf(!canUseCgroups)('holds a 0.2-core busy child clearly below an unrestricted one, and counts the throttling', async () => {
    // Both children get a high weight, so other tenants' load cannot starve either: only the quota differs.
    const limited = await createPodCgroup(runId, 'limited', { cpuQuotaCores: 0.2, weight: 10_000, support });
    const free = await createPodCgroup(runId, 'free', { weight: 10_000, support });
    cgroups.push(limited, free);
    const a = busyChild();
    const b = busyChild();
    await limited.addPid(a.pid!);
    await free.addPid(b.pid!);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const before = { a: cpuTicks(a.pid!), b: cpuTicks(b.pid!), throttling: await limited.readThrottling(), at: performance.now() };
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const seconds = (performance.now() - before.at) / 1000;
    const limitedPctOfCore = (cpuTicks(a.pid!) - before.a) / seconds;
    const freePctOfCore = (cpuTicks(b.pid!) - before.b) / seconds;
    const throttling = throttlingBetween(before.throttling, await limited.readThrottling());

    // ~20 % of a core; generous bounds, the point is "clearly limited".
    expect(limitedPctOfCore).toBeLessThan(35);
    expect(limitedPctOfCore).toBeLessThan(freePctOfCore / 2);
    expect(throttling.throttledPeriods).toBeGreaterThan(0);
    expect(throttling.throttledPct).toBeGreaterThan(50);
    expect(throttling.throttledMs).toBeGreaterThan(0);
    expect((await free.readThrottling()).throttledPeriods).toBe(0);
  });

  it.skipIf(!canUseCgroups)('moves a whole process tree (as nginx master and workers), and moves it back on removal', async () => {
    const pods = await createPodCgroup(runId, 'tree', { cpus: [0], support });
    cgroups.push(pods);
    // A parent with two children, like an nginx master with workers.
    const parent = spawn('sh', ['-c', 'sleep 60 & sleep 60 & wait'], { stdio: 'ignore', detached: true });
    children.push(parent);
    await waitFor(async () => (await readFile(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8')).trim().split(/\s+/).length === 2);
    const kids = (await readFile(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8')).trim().split(/\s+/).map(Number);

    const moved = await pods.addPid(parent.pid!);
    expect(moved.sort()).toEqual([parent.pid!, ...kids].sort());
    expect((await pods.pids()).sort()).toEqual([parent.pid!, ...kids].sort());
    for (const pid of [parent.pid!, ...kids]) {
      expect(cgroupOf(pid, 'cpu')).toBe(`/meshbench_${runId}_tree`);
      if (pods.settings.cpuset) expect(cgroupOf(pid, 'cpuset')).toBe(`/meshbench_${runId}_tree`);
      expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^Cpus_allowed_list:\s+0$/m);
    }

    const ownCpuCgroup = cgroupOf(process.pid, 'cpu');
    await pods.remove();
    // Still running, now back where meshbench itself runs.
    for (const pid of [parent.pid!, ...kids]) expect(cgroupOf(pid, 'cpu')).toBe(ownCpuCgroup);
    expect(existsSync(pods.settings.cpu!.path)).toBe(false);
    process.kill(-parent.pid!, 'SIGKILL');
  });

  it.skipIf(!canUseCgroups)('starts a process inside the cgroup through wrapLaunch, keeping its own pid, under the supervisor', async () => {
    workDir ??= await mkdtemp(join(tmpdir(), 'meshbench-cgroups-'));
    const pods = await createPodCgroup(runId, 'wrapped', { cpus: [0], support });
    cgroups.push(pods);
    const supervisor = new Supervisor({ runId, logDir: join(workDir, 'logs'), stopGraceMs: 1_000 });
    supervisors.push(supervisor);
    const launch = pods.wrapLaunch({ command: 'sleep', args: ['60'] });
    const started = await supervisor.start({ name: 'wrapped/sleep', ...launch });
    await waitFor(async () => (await pods.pids()).includes(started.pid));
    await waitFor(() => readFileSync(`/proc/${started.pid}/comm`, 'utf8').trim() === 'sleep');
    expect(cgroupOf(started.pid, 'cpu')).toBe(`/meshbench_${runId}_wrapped`);
    await supervisor.stopAll();
    await pods.remove();
    expect(existsSync(pods.settings.cpu!.path)).toBe(false);
  });

  it.skipIf(!canUseCgroups)('refuses a CPU the host does not have, an existing name, and a process that is gone', async () => {
    await expect(createPodCgroup(runId, 'nocpu', { cpus: [4096], support })).rejects.toThrow(/CPU\(s\) 4096 do not exist here/);
    expect(existsSync(join(support.cpu!.mountPoint, `meshbench_${runId}_nocpu`))).toBe(false);

    const first = await createPodCgroup(runId, 'twice', { support });
    cgroups.push(first);
    await expect(createPodCgroup(runId, 'twice', { support })).rejects.toThrow(/already exists/);

    const gone = spawn('true');
    await new Promise((resolve) => gone.once('exit', resolve));
    await expect(first.addPid(gone.pid!)).rejects.toThrow(/has exited/);
  });
});
